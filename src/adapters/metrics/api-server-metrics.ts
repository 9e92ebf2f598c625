import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResourceApi } from '../../ports/resource-api.port.js';
import type {
  MetricsExposition,
  ObservedRequest,
  RequestObservation,
  RequestObserver,
  RequestOutcome,
} from '../../ports/request-observer.port.js';
import { OTHER, RequestLabeler } from './request-labels.js';

/** kube-apiserver's buckets of apiserver_request_duration_seconds (and etcd_request_duration_seconds). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** 1 KB to 1 GB by powers of ten, as apiserver_response_sizes. */
const RESPONSE_SIZE_BUCKETS = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** 1 KiB to 128 KiB by powers of two, as apiserver_watch_events_sizes. */
const WATCH_EVENT_SIZE_BUCKETS = [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
const LONG_RUNNING_LABELS = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
const WATCH_LABELS = ['group', 'version', 'kind'] as const;

export interface ApiServerMetricsOptions {
  /** Node's process and event-loop metrics (process_*, nodejs_*). Default true. */
  processMetrics?: boolean;
  /**
   * How long a count of stored objects (apiserver_storage_objects) is reused before the store is
   * counted again, in seconds; kube-apiserver counts once a minute. Default 60.
   */
  storageCountSeconds?: number;
}

/** A stored type whose objects apiserver_storage_objects counts. */
interface CountedResource {
  resource: string;
  count: () => Promise<number>;
  last?: { at: number; value: number };
}

/**
 * The server's metrics, in a registry of its own (two servers in one process do not mix their
 * series), with kube-apiserver's names, labels and buckets where the meaning is the same. It is
 * the transport's request observer and the exposition `/metrics` serves; stores report through
 * {@link MeteredObjectStore}.
 */
export class ApiServerMetrics implements RequestObserver, MetricsExposition {
  readonly registry = new Registry();
  private readonly labeler: RequestLabeler;
  private readonly requests: Counter<string>;
  private readonly durations: Histogram<string>;
  private readonly sizes: Histogram<string>;
  private readonly longRunning: Gauge<string>;
  private readonly watchEvents: Counter<string>;
  private readonly watchEventSizes: Histogram<string>;
  private readonly watchers: Gauge<string>;
  private readonly dropped: Counter<string>;
  private readonly auditEvents: Counter<string>;
  private readonly auditLevels: Counter<string>;
  private readonly auditErrors: Counter<string>;
  /** @internal for MeteredObjectStore */
  readonly storageDurations: Histogram<string>;
  private readonly counted: CountedResource[] = [];
  private readonly sized: CountedResource[] = [];
  private readonly countMs: number;
  /** In-flight counts: the highest of the current second and of the one before. */
  private inflightWindow = { start: 0, readOnly: 0, mutating: 0, prevReadOnly: 0, prevMutating: 0 };

  /** `api` is asked for the served types on first use (the metrics are made before the API is). */
  constructor(api: () => ResourceApi, options: ApiServerMetricsOptions = {}) {
    this.labeler = new RequestLabeler(api);
    this.countMs = (options.storageCountSeconds ?? 60) * 1000;
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
    });
    this.durations = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...REQUEST_LABELS],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.sizes = new Histogram({
      name: 'apiserver_response_sizes',
      help: 'Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.',
      labelNames: [...LONG_RUNNING_LABELS],
      buckets: RESPONSE_SIZE_BUCKETS,
      registers,
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component.',
      labelNames: [...LONG_RUNNING_LABELS],
      registers,
    });
    this.watchEvents = new Counter({
      name: 'apiserver_watch_events_total',
      help: 'Number of events sent in watch clients',
      labelNames: [...WATCH_LABELS],
      registers,
    });
    this.watchEventSizes = new Histogram({
      name: 'apiserver_watch_events_sizes',
      help: 'Watch event size distribution in bytes',
      labelNames: [...WATCH_LABELS],
      buckets: WATCH_EVENT_SIZE_BUCKETS,
      registers,
    });
    this.watchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resources',
      labelNames: [...WATCH_LABELS],
      registers,
    });
    this.dropped = new Counter({
      name: 'apiserver_dropped_requests_total',
      help: "Number of requests dropped with 'Try again later' response",
      labelNames: ['request_kind'],
      registers,
    });
    this.auditEvents = new Counter({
      name: 'apiserver_audit_event_total',
      help: 'Counter of audit events generated and sent to the audit backend.',
      registers,
    });
    this.auditLevels = new Counter({
      name: 'apiserver_audit_level_total',
      help: 'Counter of policy levels for audit events (1 per request).',
      labelNames: ['level'],
      registers,
    });
    this.auditErrors = new Counter({
      name: 'apiserver_audit_error_total',
      help: 'Counter of audit events that failed to be audited properly. Plugin identifies the plugin affected by the error.',
      labelNames: ['plugin'],
      registers,
    });
    const window = (): typeof this.inflightWindow => this.rollInflight(Date.now());
    new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      labelNames: ['request_kind'],
      registers,
      collect() {
        const w = window();
        this.set({ request_kind: 'readOnly' }, Math.max(w.readOnly, w.prevReadOnly));
        this.set({ request_kind: 'mutating' }, Math.max(w.mutating, w.prevMutating));
      },
    });
    this.storageDurations = new Histogram({
      name: 'apiserver_storage_request_duration_seconds',
      help: 'Storage request latency in seconds for each operation, resource and kind of store (memory, file, sqlite, etcd): what etcd_request_duration_seconds is for etcd.',
      labelNames: ['operation', 'resource', 'store'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    const counted = this.counted;
    const countMs = this.countMs;
    new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Number of stored objects at the time of last check split by kind.',
      labelNames: ['resource'],
      registers,
      async collect() {
        const now = Date.now();
        await Promise.all(
          counted.map(async (c) => {
            if (!c.last || now - c.last.at >= countMs) {
              // A store that cannot be counted now reports -1, as kube-apiserver does.
              const value = await c.count().catch(() => -1);
              c.last = { at: now, value };
            }
          }),
        );
        this.reset();
        for (const c of counted) this.set({ resource: c.resource }, c.last!.value);
      },
    });
    const sized = this.sized;
    new Gauge({
      name: 'apiserver_storage_size_bytes',
      help: 'Size of the storage database file physically allocated in bytes (for a file store, its files), per backing store.',
      labelNames: ['storage_cluster_id'],
      registers,
      async collect() {
        const now = Date.now();
        await Promise.all(
          sized.map(async (c) => {
            if (!c.last || now - c.last.at >= countMs) c.last = { at: now, value: await c.count().catch(() => -1) };
          }),
        );
        this.reset();
        // A store not made yet (nothing on disk) has no series.
        for (const c of sized) if (c.last!.value >= 0) this.set({ storage_cluster_id: c.resource }, c.last!.value);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts a stored type's objects for apiserver_storage_objects (`resource` as `widgets.demo.example.com`). */
  countStored(resource: string, count: () => Promise<number>): void {
    if (this.counted.some((c) => c.resource === resource)) return;
    this.counted.push({ resource, count });
  }

  /**
   * Measures a backing store's size on disk for apiserver_storage_size_bytes, reused as long as
   * object counts are; `id` names the store (its identity: `sqlite:/path/to.db`); a rejection
   * (nothing on disk yet) leaves the store without a series.
   */
  measureStorageSize(id: string, size: () => Promise<number>): void {
    if (this.sized.some((c) => c.resource === id)) return;
    this.sized.push({ resource: id, count: size });
  }

  /** One audit event handed to the audit sinks. */
  auditEvent(): void {
    this.auditEvents.inc();
  }

  /** The audit level the policy gave one request (None, Metadata, Request, RequestResponse). */
  auditLevel(level: string): void {
    this.auditLevels.inc({ level });
  }

  /** An audit event a sink could not write (`plugin`: log). */
  auditError(plugin: string): void {
    this.auditErrors.inc({ plugin });
  }

  begin(req: ObservedRequest): RequestObservation {
    const a = req.attributes;
    let watchLabels: Record<string, string> | undefined;
    let longLabels: Record<string, string> | undefined;
    if (req.longRunning) {
      const l = this.labeler.labels(req, 200);
      longLabels = { verb: l.verb, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component };
      this.longRunning.inc(longLabels);
      const kind = this.labeler.kind(a.apiGroup, a.apiVersion, a.resource);
      watchLabels = kind === undefined ? { group: '', version: '', kind: OTHER } : { group: a.apiGroup, version: a.apiVersion, kind };
      this.watchers.inc(watchLabels);
    }
    return {
      watchEvent: (bytes: number) => {
        if (!watchLabels) return;
        this.watchEvents.inc(watchLabels);
        this.watchEventSizes.observe(watchLabels, bytes);
      },
      end: (outcome: RequestOutcome) => {
        if (longLabels) this.longRunning.dec(longLabels);
        if (watchLabels) this.watchers.dec(watchLabels);
        const l = this.labeler.labels(req, outcome.code);
        this.requests.inc({ ...l, code: String(outcome.code) });
        this.durations.observe(l as unknown as Record<string, string>, outcome.durationSeconds);
        if (l.verb === 'GET' || l.verb === 'LIST') {
          this.sizes.observe(
            { verb: l.verb, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: l.component },
            outcome.responseBytes,
          );
        }
        if (outcome.throttled) this.dropped.inc({ request_kind: isMutating(a.verb, a.resourceRequest, req.method) ? 'mutating' : 'readOnly' });
      },
    };
  }

  inflight(readOnly: number, mutating: number): void {
    const w = this.rollInflight(Date.now());
    if (readOnly > w.readOnly) w.readOnly = readOnly;
    if (mutating > w.mutating) w.mutating = mutating;
  }

  private rollInflight(now: number): typeof this.inflightWindow {
    const w = this.inflightWindow;
    if (now - w.start >= 1000) {
      const gap = now - w.start >= 2000;
      w.prevReadOnly = gap ? 0 : w.readOnly;
      w.prevMutating = gap ? 0 : w.mutating;
      w.readOnly = 0;
      w.mutating = 0;
      w.start = now;
    }
    return w;
  }
}

/** Kubernetes counts get, list and watch as read-only; every other verb mutates. */
function isMutating(verb: string, resourceRequest: boolean, method: string): boolean {
  if (!resourceRequest) return !['GET', 'HEAD', 'OPTIONS'].includes(method);
  return !['get', 'list', 'watch'].includes(verb);
}
