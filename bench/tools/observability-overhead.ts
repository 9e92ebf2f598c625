/**
 * What metrics, request logs and the audit log cost per request, and the in-flight limits under
 * a burst with watches open. One short run (well under a minute):
 *
 *   npx tsx bench/tools/observability-overhead.ts [--requests 500] [--concurrency 16] [--rounds 15]
 *
 * Five servers in this process on 127.0.0.1, the same type on memory storage, differing only in
 * what is observed: `off` (no metrics, -v=0, no audit), `metrics`, `logs` (-v=3 request lines to
 * /dev/null), `audit` (every request at level Metadata to a file), `all` (the three together),
 * and `audit-rr` (level RequestResponse, bodies included). Short rounds go round-robin over the
 * servers, each cycle starting one later (so load from elsewhere on the machine falls on all
 * alike); each round is REQUESTS requests, CONCURRENCY at a time over keep-alive: GETs of one
 * object, then creates. The median
 * round of each server gives `ratio observability-VERB-NAME-vs-off`: its requests per second
 * over those of `off` (1.00: free), and the µs it adds per request.
 *
 * Then a bounded burst: a server with --max-requests-inflight 4 and 20 watches open takes 200
 * concurrent reads that each take 20 ms; it prints how many answered 200 and 429, and that every
 * watch stayed open.
 */
import { mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import type { AuditLevel } from '../../src/ports/audit.port.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';

const { values } = parseArgs({
  options: { requests: { type: 'string' }, concurrency: { type: 'string' }, rounds: { type: 'string' } },
});
const REQUESTS = Number(values.requests ?? 500);
const CONCURRENCY = Number(values.concurrency ?? 16);
const ROUNDS = Number(values.rounds ?? 15);

const Widget = defineResource({
  group: 'bench.example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  spec: z.object({ size: z.number().optional() }),
});
const PATH = '/apis/bench.example.com/v1/namespaces/default/widgets';
/** A handler type whose reads take 20 ms (a slow backend): what fills the in-flight limit. */
const Slow = defineResource({
  group: 'bench.example.com',
  version: 'v1',
  kind: 'Slow',
  plural: 'slows',
  scope: 'Namespaced',
  spec: z.object({}),
});
const slowHandler = {
  async get(_ctx: unknown, namespace: string | undefined, name: string) {
    await new Promise((r) => setTimeout(r, 20));
    return { apiVersion: 'bench.example.com/v1', kind: 'Slow', metadata: { name, namespace }, spec: {} };
  },
};

const devNull = openSync('/dev/null', 'w');
const discard = { write: (text: string) => writeSync(devNull, text) };
const dir = mkdtempSync(join(tmpdir(), 'obs-bench-'));

interface Setup {
  metrics?: boolean;
  logs?: boolean;
  audit?: AuditLevel;
}

interface Running {
  name: string;
  server: ApiServer;
  port: number;
  created: number;
}

async function serve(name: string, setup: Setup, extra: Parameters<ServerBuilder['withObservability']>[0] = {}): Promise<Running> {
  const builder = new ServerBuilder()
    .withResource(Widget)
    .withResourceAndHandler(Slow, slowHandler as never)
    .withStorage('memory')
    .withInsecureServing()
    .withBindPort(0)
    .withOutputWriter(discard)
    .withObservability({ metrics: setup.metrics ?? false, verbosity: setup.logs ? 3 : 0, maxRequestsInflight: 0, maxMutatingRequestsInflight: 0, ...extra });
  if (setup.audit) builder.withAuditPolicy({ rules: [{ level: setup.audit }] }).withAuditLog(join(dir, `${name}.log`));
  const server = builder.build();
  const { url } = await server.start();
  await server.client().resource(Widget).create({ metadata: { name: 'w', namespace: 'default' }, spec: { size: 1 } } as never);
  return { name, server, port: Number(new URL(url).port), created: 0 };
}

function call(agent: Agent, port: number, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {};
    const req = request({ host: '127.0.0.1', port, path, agent, method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

type Verb = 'get' | 'create';

/** Requests per second of one round: REQUESTS requests, CONCURRENCY at a time. */
async function round(s: Running, verb: Verb): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        let code: number;
        if (verb === 'get') code = await call(agent, s.port, 'GET', `${PATH}/w`);
        else {
          const body = JSON.stringify({ apiVersion: 'bench.example.com/v1', kind: 'Widget', metadata: { name: `c${s.created++}` }, spec: { size: 1 } });
          code = await call(agent, s.port, 'POST', PATH, body);
        }
        if (code !== (verb === 'get' ? 200 : 201)) throw new Error(`${verb} answered ${code}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  return REQUESTS / seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const setups: Array<[string, Setup]> = [
  ['off', {}],
  ['metrics', { metrics: true }],
  ['logs', { logs: true }],
  ['audit', { audit: 'Metadata' }],
  ['all', { metrics: true, logs: true, audit: 'Metadata' }],
  ['audit-rr', { audit: 'RequestResponse' }],
];
const servers: Running[] = [];
const started = Date.now();
try {
  for (const [name, setup] of setups) servers.push(await serve(name, setup));
  console.log(`# ${REQUESTS} requests per round, ${CONCURRENCY} at a time, median of ${ROUNDS} rounds, rounds round-robin over the servers; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const verb of ['get', 'create'] as const) {
    for (const s of servers) await round(s, verb); // warm up
    const rates = new Map<string, number[]>(servers.map((s) => [s.name, []]));
    // Short rounds, each cycle starting one server later, so no server always follows the same one.
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < servers.length; j++) {
        const s = servers[(i + j) % servers.length]!;
        rates.get(s.name)!.push(await round(s, verb));
      }
    }
    const off = median(rates.get('off')!);
    console.log(`abs observability-${verb}-off ${off.toFixed(0)} req/s (${(1e6 / off).toFixed(1)} µs/request)`);
    for (const s of servers.slice(1)) {
      const r = median(rates.get(s.name)!);
      console.log(`ratio observability-${verb}-${s.name}-vs-off ${(r / off).toFixed(2)}  # ${r.toFixed(0)} req/s, ${(1e6 / r - 1e6 / off).toFixed(1)} µs/request more`);
    }
  }
  const audited = statSync(join(dir, 'audit.log')).size;
  console.log(`# the Metadata audit log took ${(audited / 1024 / 1024).toFixed(1)} MiB for this run`);
} finally {
  for (const s of servers) await s.server.stop();
}

// A bounded burst against the in-flight limit, with watches open.
const limited = await serve('limited', { metrics: true }, { maxRequestsInflight: 4 });
try {
  const watchAgent = new Agent({ keepAlive: false });
  const watches = await Promise.all(
    Array.from(
      { length: 20 },
      () =>
        new Promise<IncomingMessage>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: limited.port, path: `${PATH}?watch=true`, agent: watchAgent }, resolve);
          req.on('error', reject);
          req.end();
        }),
    ),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 200 });
  const codes = await Promise.all(Array.from({ length: 200 }, (_, i) => call(agent, limited.port, 'GET', `/apis/bench.example.com/v1/namespaces/default/slows/s${i}`)));
  const count = (c: number): number => codes.filter((x) => x === c).length;
  const open = watches.filter((w) => w.statusCode === 200 && !w.complete && !w.destroyed).length;
  const metrics = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port: limited.port, path: '/metrics' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
  const dropped = /apiserver_dropped_requests_total\{request_kind="readOnly"\} (\d+)/.exec(metrics)?.[1] ?? '0';
  const longRunning = /apiserver_longrunning_requests\{verb="WATCH",[^}]*\} (\d+)/.exec(metrics)?.[1] ?? '0';
  console.log(
    `abs inflight-burst 200 reads of 20 ms at once, limit 4: ${count(200)} answered 200, ${count(429)} answered 429; ${open}/20 watches still open; ` +
      `metrics: apiserver_dropped_requests_total{readOnly} ${dropped}, apiserver_longrunning_requests{WATCH} ${longRunning}`,
  );
  for (const w of watches) w.destroy();
  agent.destroy();
} finally {
  await limited.server.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`# took ${((Date.now() - started) / 1000).toFixed(0)} s`);
