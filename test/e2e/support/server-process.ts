/**
 * The example server (`examples/demo/server.ts`) as a real child process, the way users run
 * it: `node --import tsx examples/demo/server.ts --secure-port 0 --storage SPEC
 * --write-kubeconfig DIR/kubeconfig`. It is reached over HTTPS with the CA and token of the
 * kubeconfig it writes, and ended with SIGTERM (a stop) or SIGKILL (a crash). Every process
 * started here is killed when the test process exits, whatever happened to the tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Signal, waitFor } from '../../support/wait-for.js';

/** The repository root: tsx resolves `apiserver-kit` in the example through its tsconfig. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const EXAMPLE_SERVER = 'examples/demo/server.ts';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();
let exitHook = false;

/** Starts the example server's command line with `args`; its output is collected. */
function spawnExample(args: readonly string[]): { proc: ChildProcess; out: Output; exited: Promise<Exit> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', EXAMPLE_SERVER, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The test runner's own loader options are not the child's business.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  live.add(proc);
  const out = new Output();
  proc.stdout!.setEncoding('utf8').on('data', (t: string) => out.add('stdout', t));
  proc.stderr!.setEncoding('utf8').on('data', (t: string) => out.add('stderr', t));
  const exited = new Promise<Exit>((resolveExit) => {
    // 'close', not 'exit': by then every byte the process wrote has been read.
    proc.once('close', (code, signal) => {
      live.delete(proc);
      resolveExit({ code, signal });
    });
    proc.once('error', (err) => {
      live.delete(proc);
      out.add('stderr', `[spawn error: ${err.message}]\n`);
      resolveExit({ code: null, signal: null });
    });
  });
  return { proc, out, exited };
}

class Output {
  stdout = '';
  stderr = '';
  all = '';
  private readonly listeners = new Set<() => void>();

  add(stream: 'stdout' | 'stderr', text: string): void {
    this[stream] += text;
    this.all += text;
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface ServerProcessOptions {
  /** The `--storage` spec. */
  storage: string;
  /** The server's scratch folder: `certs/` and `kubeconfig` go there (and survive restarts). */
  dir: string;
  /** How long to wait for `serving on` (default 20 s). */
  startTimeoutMs?: number;
  /** More command-line flags. */
  args?: readonly string[];
}

/** One running example server. */
export class ServerProcess {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly out: Output,
    /** Resolves when the process is gone and its output read. */
    readonly exited: Promise<Exit>,
    readonly url: string,
    /** PEM of the CA of the serving certificate, from the kubeconfig. */
    readonly ca: string,
    /** The bearer token from the kubeconfig (minted anew at each start). */
    readonly token: string,
  ) {}

  /** Starts the server; resolves once it printed `serving on URL`, rejects with its output if it exits first. */
  static async start(o: ServerProcessOptions): Promise<ServerProcess> {
    const kubeconfig = join(o.dir, 'kubeconfig');
    const args = ['--secure-port', '0', '--storage', o.storage, '--cert-dir', join(o.dir, 'certs'), '--write-kubeconfig', kubeconfig, ...(o.args ?? [])];
    const { proc, out, exited } = spawnExample(args);
    const timeoutMs = o.startTimeoutMs ?? 20_000;
    let url: string;
    try {
      url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => done(new Error(`the server did not start within ${timeoutMs} ms:\n${out.all}`)), timeoutMs);
        const check = (): void => {
          const m = /serving on (https:\/\/\S+)/.exec(out.stdout);
          if (m) done(undefined, m[1]);
        };
        const stopListening = out.onChange(check);
        void exited.then(({ code, signal }) => done(new Error(`the server exited (code ${code}, signal ${signal}) before serving:\n${out.all}`)));
        function done(err?: Error, value?: string): void {
          clearTimeout(timer);
          stopListening();
          if (err) reject(err);
          else resolveUrl(value!);
        }
        check();
      });
    } catch (err) {
      proc.kill('SIGKILL');
      await exited;
      throw err;
    }
    const kc = parse(await readFile(kubeconfig, 'utf8')) as {
      clusters: Array<{ cluster: { 'certificate-authority-data': string } }>;
      users: Array<{ user: { token: string } }>;
    };
    const ca = Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString('utf8');
    return new ServerProcess(proc, out, exited, url, ca, kc.users[0]!.user.token);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Whether the process is still there. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string {
    return this.out.all;
  }

  /** A client of this server (keep-alive connections; close() it when done). */
  client(): HttpsClient {
    return new HttpsClient(this);
  }

  /** SIGTERM, then SIGKILL if it is not gone within `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (this.running) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** SIGKILL: a crash, as the kernel ends an out-of-memory process. */
  async kill(): Promise<Exit> {
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/** Runs the example server's command line to its end (a subcommand, or a start that fails). */
export async function runExample(args: readonly string[], timeoutMs = 20_000): Promise<Exit & { stdout: string; stderr: string }> {
  const { proc, out, exited } = spawnExample(args);
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return { ...exit, stdout: out.stdout, stderr: out.stderr };
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body parsed as JSON (or the text when it is not JSON). */
  body: any;
  /** Milliseconds from sending to the end of the answer. */
  ms: number;
}

/** The server a test client talks to: its URL, the CA it is served with, a bearer token. */
export interface ServerAddress {
  url: string;
  ca: string;
  token: string;
}

/**
 * One JSON request over HTTPS with the server's token; rejects only when the connection fails
 * (e.g. the server was killed) or no answer comes within `timeoutMs` (a hang). Without an
 * agent, the request uses a connection of its own.
 */
export function httpsCall(
  server: ServerAddress,
  method: string,
  path: string,
  body: unknown,
  opts: { agent?: Agent; timeoutMs: number },
): Promise<Reply> {
  const started = Date.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise<Reply>((resolveReply, reject) => {
    const req = request(
      new URL(path, server.url),
      {
        method,
        ...(opts.agent ? { agent: opts.agent } : { agent: false, ca: server.ca }),
        headers: {
          Authorization: `Bearer ${server.token}`,
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON (e.g. /readyz): keep the text.
          }
          resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, ms: Date.now() - started });
        });
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs} ms (a hang)`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** An HTTPS client with the server's CA and bearer token, on keep-alive connections. */
export class HttpsClient {
  private readonly agent: Agent;

  constructor(private readonly server: ServerAddress) {
    this.agent = new Agent({ ca: server.ca, keepAlive: true, maxSockets: 64 });
  }

  /** One request; rejects when the connection fails (e.g. the server was killed) or after 15 s. */
  call(method: string, path: string, body?: unknown): Promise<Reply> {
    return httpsCall(this.server, method, path, body, { agent: this.agent, timeoutMs: 15_000 });
  }

  get(path: string): Promise<Reply> {
    return this.call('GET', path);
  }

  /** `path?watch=1&resourceVersion=RV`, read as it streams. */
  watch(path: string, resourceVersion: string): Promise<WatchStream> {
    const sep = path.includes('?') ? '&' : '?';
    const full = `${path}${sep}watch=1&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    return new Promise<WatchStream>((resolveWatch, reject) => {
      const req = request(
        new URL(full, this.server.url),
        { method: 'GET', agent: false, ca: this.server.ca, headers: { Authorization: `Bearer ${this.server.token}`, Accept: 'application/json' } },
        (res) => resolveWatch(new WatchStream(res.statusCode ?? 0, res, () => req.destroy())),
      );
      req.setTimeout(15_000, () => req.destroy(new Error(`watch ${full}: no answer within 15 s`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A watch response being read: its status, the lines so far, whether the server ended it. */
export class WatchStream {
  /** Parsed lines: events when the status is 200, else the Status body. */
  readonly lines: any[] = [];
  ended = false;
  private buffered = '';
  private readonly news = new Signal();

  constructor(
    readonly status: number,
    res: NodeJS.ReadableStream,
    private readonly abort: () => void,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffered += chunk;
      // An error answer is one document (perhaps over several lines), read at its end.
      if (status !== 200) return;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl).trim();
        this.buffered = this.buffered.slice(nl + 1);
        if (line) this.lines.push(JSON.parse(line));
      }
      this.news.notify();
    });
    const end = (): void => {
      if (this.ended) return;
      const rest = this.buffered.trim();
      this.buffered = '';
      if (rest) {
        try {
          this.lines.push(JSON.parse(rest));
        } catch {
          this.lines.push(rest); // not JSON: kept as text for the failure message
        }
      }
      this.ended = true;
      this.news.notify();
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  }

  /** Waits until `condition` holds of the lines read; fails after `ms` showing them. */
  async until(condition: (lines: any[]) => boolean, ms = 10_000, what = 'the expected events'): Promise<void> {
    await waitFor(
      () => {
        if (condition(this.lines)) return true;
        if (this.ended) throw new Error(`the watch ended before ${what}: ${JSON.stringify(this.lines.slice(-5))}`);
        return false;
      },
      { timeoutMs: ms, wakeOn: this.news, what, detail: () => JSON.stringify(this.lines.slice(-5)) },
    );
  }

  close(): void {
    this.abort();
  }
}
