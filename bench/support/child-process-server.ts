import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What every bench child sends once it serves: its URL, and anything else it measured. */
export interface ReadyMessage {
  op: 'ready';
  url?: string;
  [key: string]: unknown;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * A server (or raw baseline) in a child process of its own, driven over IPC. Servers never
 * share a process with the load generator: on a small machine the two would otherwise share
 * one event loop, and the client's work would be charged to the server.
 */
export class ChildServer {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: any) => void; reject: (e: Error) => void }>();
  private readonly stderr: string[] = [];
  private readyMessage: Promise<ReadyMessage>;
  readonly exited: Promise<number | null>;
  readonly forkedAt: number;

  private constructor(private readonly child: ChildProcess) {
    this.forkedAt = performance.now();
    live.add(child);
    child.stderr?.on('data', (b: Buffer) => {
      this.stderr.push(b.toString('utf8'));
      if (this.stderr.length > 50) this.stderr.shift();
    });
    let onReady!: (m: ReadyMessage) => void;
    this.readyMessage = new Promise((resolve) => (onReady = resolve));
    child.on('message', (m: any) => {
      if (m?.op === 'ready') return onReady(m as ReadyMessage);
      const w = this.waiting.get(m?.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(`${m.error}`));
      else w.resolve(m);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        live.delete(child);
        const gone = new Error(`child exited (${code}): ${this.log()}`);
        for (const w of this.waiting.values()) w.reject(gone);
        this.waiting.clear();
        resolve(code);
      });
    });
  }

  /**
   * Forks `bench/<script>` (a path under bench/) with the TypeScript loader, passing `config` as JSON, and
   * resolves with the child once it reports ready (its message carries the URL).
   */
  static async start(script: string, config: unknown, options: { execArgv?: string[] } = {}): Promise<{ server: ChildServer; ready: ReadyMessage }> {
    const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
    const child = fork(path, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx', ...profileArgs(script), ...(options.execArgv ?? [])],
      // BENCH_CHILD_STDOUT=1 shows what children print, e.g. with --trace-gc in execArgv.
      stdio: ['ignore', process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const server = new ChildServer(child);
    // The child announces itself: a message sent before it listens could be lost.
    const ready = await Promise.race([
      server.readyMessage,
      server.exited.then((code) => Promise.reject(new Error(`${script} exited (${code}) before it was ready: ${server.log()}`))),
    ]);
    return { server, ready };
  }

  /** Sends a command and resolves with the child's answer to it. */
  call<T = any>(message: Record<string, unknown>, timeoutMs = 600_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`child did not answer ${String(message.op)} within ${timeoutMs} ms: ${this.log()}`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...message, id });
    });
  }

  /** CPU microseconds (user + system) the child has used so far. */
  async cpuMicros(): Promise<number> {
    const { cpu } = await this.call<{ cpu: NodeJS.CpuUsage }>({ op: 'cpu' });
    return cpu.user + cpu.system;
  }

  /**
   * Runs `work` and adds the child's CPU time per operation to its result: a figure that a busy
   * machine disturbs far less than throughput.
   */
  async measureCpu<T extends object>(work: () => Promise<T>, operations: (r: T) => number): Promise<T & { serverCpuUs: number }> {
    const before = await this.cpuMicros();
    const result = await work();
    const used = (await this.cpuMicros()) - before;
    return { ...result, serverCpuUs: used / Math.max(1, operations(result)) };
  }

  /** Asks the child to stop and waits for it; kills it if it does not go in time. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ op: 'stop', id: 0 });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  log(): string {
    return this.stderr.join('').slice(-4000);
  }
}

/**
 * BENCH_CPU_PROF=DIR profiles every kit server child (`--cpu-prof`), for finding where a
 * missed target goes; summarize a profile with `npx tsx bench/tools/cpu-profile-summary.ts FILE`.
 */
function profileArgs(script: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir || !script.includes('kit-server')) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}
