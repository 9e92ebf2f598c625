/**
 * A read-only type in the style of metrics-server: nothing is stored, every get and list
 * computes the values when it is asked. One CoreMetrics object per CPU core of this machine,
 * with its busy time since boot as node:os reports it.
 *
 *   kubectl get coremetrics            # NAME, MODEL, BUSY, USER(ms), SYSTEM(ms)
 */
import { cpus, loadavg } from 'node:os';
import { z } from 'zod';
import { defineResource, type ObjectOf, type ResourceHandler } from 'apiserver-kit';

export const CoreMetrics = defineResource({
  group: 'metrics.example.com',
  version: 'v1beta1',
  kind: 'CoreMetrics',
  plural: 'coremetrics',
  scope: 'Cluster',
  description: 'CoreMetrics is the usage of one CPU core, computed on read.',
  status: z.object({
    timestamp: z.string().describe('When the values were read (RFC 3339).'),
    model: z.string(),
    speedMHz: z.number().int().min(0),
    userMs: z.number().min(0).describe('Time spent in user mode since boot.'),
    systemMs: z.number().min(0).describe('Time spent in kernel mode since boot.'),
    idleMs: z.number().min(0),
    busyPercent: z.number().min(0).max(100).describe('Share of the time since boot the core was busy.'),
    load1: z.number().min(0).describe("The machine's one-minute load average."),
  }),
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.status.model' },
    { name: 'Busy', type: 'number', jsonPath: '.status.busyPercent', description: 'Percent busy since boot.' },
    { name: 'User(ms)', type: 'integer', jsonPath: '.status.userMs' },
    { name: 'System(ms)', type: 'integer', jsonPath: '.status.systemMs', priority: 1 },
  ],
});

type CoreMetricsObject = ObjectOf<typeof CoreMetrics>;

/** Reads every core now; `bootTime` makes creationTimestamp stable across reads. */
function readCores(): CoreMetricsObject[] {
  const now = new Date();
  const [load1] = loadavg();
  return cpus().map((cpu, i) => {
    const { user, nice, sys, idle, irq } = cpu.times;
    const busy = user + nice + sys + irq;
    return {
      apiVersion: CoreMetrics.apiVersion,
      kind: CoreMetrics.kind,
      metadata: { name: `cpu${i}`, labels: { 'metrics.example.com/model': labelValue(cpu.model) } },
      status: {
        timestamp: now.toISOString(),
        model: cpu.model,
        speedMHz: Math.max(0, Math.round(cpu.speed)),
        userMs: user,
        systemMs: sys,
        idleMs: idle,
        busyPercent: busy + idle === 0 ? 0 : Math.round((1000 * busy) / (busy + idle)) / 10,
        load1: load1 ?? 0,
      },
    } as CoreMetricsObject;
  });
}

/** A label value from a CPU model name: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** list and get only: the type serves get and list, and answers 405 to every write. */
export const coreMetricsHandler: ResourceHandler<CoreMetricsObject> = {
  list: () => readCores(),
  get: (_ctx, _ns, name) => readCores().find((c) => c.metadata.name === name),
};
