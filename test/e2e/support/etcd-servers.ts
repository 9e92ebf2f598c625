/**
 * Helpers of the etcd end-to-end tests, on top of the example-server processes of
 * `server-process.ts`: a start that also reports how long it took, a small HTTPS client that
 * times every call and never waits forever, a recorder of HTTP watches (`?watch=true`) that
 * notes how they end, and the objects the tests write.
 */
import { request } from 'node:https';
import { join } from 'node:path';
import { Signal, waitFor } from '../../support/wait-for.js';
import { httpsCall, type Reply, ServerProcess, type ServerProcessOptions } from './server-process.js';

export { ServerProcess, runExample, type Reply } from './server-process.js';

/** A started example server, with how long it took to serve and where its kubeconfig is. */
export interface StartedServer {
  server: ServerProcess;
  /** Milliseconds from spawn to `serving on`. */
  startMs: number;
  /** The kubeconfig it wrote (server URL, CA, token), for real clients. */
  kubeconfigPath: string;
  /** True once the process is gone. */
  readonly gone: boolean;
}

/** Servers started here and not gone yet. */
const running = new Set<ServerProcess>();
const interruptCleanups = new Set<() => void>();
let signalHooksInstalled = false;

/**
 * `server-process.ts` and the etcd harness kill their children when the test process exits,
 * but a test process ended by a signal (Ctrl-C on mocha, a CI timeout's SIGTERM) emits no
 * 'exit': then kill the servers started here and run the cleanups registered with
 * {@link onInterrupt}, and let the signal take its course.
 */
function installSignalHooks(): void {
  if (signalHooksInstalled) return;
  signalHooksInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const s of running) void s.kill();
      for (const cleanup of interruptCleanups) {
        try {
          cleanup();
        } catch {
          // Best effort: the process is going away.
        }
      }
      // Nobody else handles it: die of it, as without this hook.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/**
 * Runs `cleanup` (synchronous: send kills, nothing to await) if the test process is ended by a
 * signal; e.g. SIGKILL an etcd cluster's members. Returns a function that unregisters it.
 */
export function onInterrupt(cleanup: () => void): () => void {
  installSignalHooks();
  interruptCleanups.add(cleanup);
  return () => interruptCleanups.delete(cleanup);
}

/** Starts the example server (see {@link ServerProcess.start}) and times it. */
export async function startServer(o: ServerProcessOptions): Promise<StartedServer> {
  installSignalHooks();
  const started = Date.now();
  const server = await ServerProcess.start(o);
  running.add(server);
  const state = { gone: false };
  void server.exited.then(() => {
    state.gone = true;
    running.delete(server);
  });
  return {
    server,
    startMs: Date.now() - started,
    kubeconfigPath: join(o.dir, 'kubeconfig'),
    get gone() {
      return state.gone;
    },
  };
}

/** Stops every server given (SIGTERM, then SIGKILL), ignoring ones already gone. */
export async function stopAll(servers: Iterable<ServerProcess | undefined>): Promise<void> {
  await Promise.all([...servers].map((s) => s?.stop().catch(() => undefined)));
}

// ---------------------------------------------------------------------------------------------
// HTTPS

export class Api {
  constructor(
    readonly server: { url: string; ca: string; token: string },
    private readonly timeoutMs = 15_000,
  ) {}

  get(path: string): Promise<Reply> {
    return this.call('GET', path);
  }

  post(path: string, body: unknown): Promise<Reply> {
    return this.call('POST', path, body);
  }

  put(path: string, body: unknown): Promise<Reply> {
    return this.call('PUT', path, body);
  }

  delete(path: string): Promise<Reply> {
    return this.call('DELETE', path);
  }

  /** One request; rejects only when no answer comes within the deadline (a hang) or the connection fails. */
  call(method: string, path: string, body?: unknown): Promise<Reply> {
    return httpsCall(this.server, method, path, body, { timeoutMs: this.timeoutMs });
  }

  /** Opens `path?watch=true&resourceVersion=rv` and resolves once the answer's headers came. */
  watch(path: string, resourceVersion: string | number, extraQuery = ''): Promise<WatchRecorder> {
    const sep = path.includes('?') ? '&' : '?';
    const full = `${path}${sep}watch=true&resourceVersion=${resourceVersion}${extraQuery ? `&${extraQuery}` : ''}`;
    return WatchRecorder.open(this.server, full, this.timeoutMs);
  }
}

export interface WatchEvent {
  type: string;
  object: any;
}

/**
 * An HTTP watch being read: its status, every event line, and how it ended (the server ended
 * the stream, or the connection broke).
 */
export class WatchRecorder {
  readonly events: WatchEvent[] = [];
  /** Set when the stream is over: 'end' (the server ended it) or 'error: ...' (the connection broke). */
  ended: string | undefined;
  endedAt: number | undefined;
  /** The answer body when the status is not 200 (a Status). */
  errorBody: any;
  private buffered = '';
  private readonly news = new Signal();

  private constructor(
    readonly status: number,
    private readonly req: ReturnType<typeof request>,
  ) {}

  static open(server: { url: string; ca: string; token: string }, path: string, timeoutMs: number): Promise<WatchRecorder> {
    return new Promise<WatchRecorder>((resolve, reject) => {
      const req = request(
        new URL(path, server.url),
        { method: 'GET', ca: server.ca, agent: false, headers: { Authorization: `Bearer ${server.token}`, Accept: 'application/json' } },
        (res) => {
          clearTimeout(timer);
          const w = new WatchRecorder(res.statusCode ?? 0, req);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => w.onData(chunk));
          res.on('end', () => w.onEnd('end'));
          res.on('error', (err) => w.onEnd(`error: ${err.message}`));
          res.on('close', () => w.onEnd('end'));
          resolve(w);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`watch ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end();
    });
  }

  /** Events other than bookmarks. */
  get changes(): WatchEvent[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK');
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (!line) continue;
      const parsed = JSON.parse(line) as WatchEvent;
      if (this.status === 200 && typeof parsed.type === 'string') this.events.push(parsed);
      else this.errorBody = parsed;
    }
    this.news.notify();
  }

  private onEnd(how: string): void {
    if (this.ended !== undefined) return;
    const rest = this.buffered.trim();
    if (rest) {
      try {
        const parsed = JSON.parse(rest);
        if (this.status === 200 && typeof parsed?.type === 'string') this.events.push(parsed);
        else this.errorBody = parsed;
      } catch {
        if (this.status !== 200) this.errorBody = rest;
      }
      this.buffered = '';
    }
    this.ended = how;
    this.endedAt = Date.now();
    this.news.notify();
  }

  /** Waits until `condition` holds, or fails after `ms` with what was seen. */
  async waitFor(condition: (w: WatchRecorder) => boolean, ms = 10_000, what = 'the condition'): Promise<void> {
    await waitFor(() => condition(this), {
      timeoutMs: ms,
      wakeOn: this.news,
      what: `watch: ${what}`,
      detail: () => `ended=${this.ended}; events=${JSON.stringify(this.summary())}`,
    });
  }

  /** Waits for a change (not a bookmark) at `resourceVersion`. */
  waitForRevision(resourceVersion: string | number, ms = 10_000): Promise<void> {
    return this.waitFor(
      (w) => w.events.some((e) => e.type !== 'BOOKMARK' && Number(e.object?.metadata?.resourceVersion) >= Number(resourceVersion)) || w.ended !== undefined,
      ms,
      `an event at resourceVersion ${resourceVersion}`,
    );
  }

  /** `[type, name, resourceVersion]` of every change, for assertions and messages. */
  summary(): [string, string, string][] {
    return this.events.map((e) => [e.type, e.type === 'ERROR' ? String(e.object?.code) : e.object?.metadata?.name, e.object?.metadata?.resourceVersion]);
  }

  close(): void {
    this.req.destroy();
    this.onEnd('closed by the test');
  }
}

// ---------------------------------------------------------------------------------------------
// Objects

export const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';

export function widget(name: string, spec: Record<string, unknown> = { color: 'green' }, labels?: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec,
  };
}

export function rvOf(obj: any): number {
  return Number(obj?.metadata?.resourceVersion);
}

/** A short description of a reply, for assertion messages. */
export function show(r: Reply): string {
  return `${r.status} in ${r.ms} ms: ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`.slice(0, 600);
}
