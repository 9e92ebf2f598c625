/**
 * Runs the real kubectl against a test server: a kubeconfig written for it (credentials always
 * included: kubectl prompts for a username otherwise), and a fresh discovery cache per session
 * so that no test sees another server's API.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Signal, waitFor } from '../../support/wait-for.js';
import { ensureKubectl } from './kubectl-binary.js';

export interface KubeconfigOptions {
  server: string;
  /** Bearer token; kubectl sends it over https only. */
  token?: string;
  /** PEM of the CA to trust. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  namespace?: string;
  /** The kubectl to run; the fetched v1.33 when not given. */
  binary?: string;
}

/** Writes a kubeconfig with one cluster, user and context, named `apiserver-kit`. */
export async function writeKubeconfig(file: string, o: KubeconfigOptions): Promise<void> {
  const cluster: Record<string, unknown> = { server: o.server };
  if (o.ca) cluster['certificate-authority-data'] = Buffer.from(o.ca).toString('base64');
  if (o.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  const context: Record<string, unknown> = { cluster: 'apiserver-kit', user: 'apiserver-kit' };
  if (o.namespace) context.namespace = o.namespace;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'apiserver-kit', cluster }],
    // A token is always written: a user entry without credentials makes kubectl prompt.
    users: [{ name: 'apiserver-kit', user: { token: o.token ?? 'unused' } }],
    contexts: [{ name: 'apiserver-kit', context }],
    'current-context': 'apiserver-kit',
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to kubectl's standard input (`-f -`). */
  input?: string;
  timeoutMs?: number;
  /** More environment for kubectl (KUBE_EDITOR for `kubectl edit`). */
  env?: NodeJS.ProcessEnv;
}

/** A kubeconfig and a private cache directory, and kubectl runs against them. */
export class KubectlSession {
  private constructor(
    readonly binary: string,
    readonly dir: string,
    readonly kubeconfig: string,
    readonly options: KubeconfigOptions,
  ) {}

  get server(): string {
    return this.options.server;
  }

  get ca(): string | undefined {
    return this.options.ca;
  }

  static async create(o: KubeconfigOptions): Promise<KubectlSession> {
    const binary = o.binary ?? (await ensureKubectl());
    const dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-kubectl-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, o);
    return new KubectlSession(binary, dir, kubeconfig, { ...o });
  }

  private args(args: readonly string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args];
  }

  private env(): NodeJS.ProcessEnv {
    // kubectl must not read the developer's own configuration.
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, KUBECONFIG: this.kubeconfig };
  }

  /** Runs kubectl; never throws for a non-zero exit (the result tells). */
  run(args: readonly string[], opts: RunOptions = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        this.binary,
        this.args(args),
        { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 32 * 1024 * 1024, env: { ...this.env(), ...(opts.env ?? {}) } },
        (err, stdout, stderr) => {
          if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
          resolve({ code: err ? ((err as { code: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }

  /** Runs kubectl and fails with its output unless it exits 0. */
  async ok(args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts a long-running kubectl (`get -w`, `wait`, `delete --wait`) in the background. */
  start(args: readonly string[]): BackgroundKubectl {
    return new BackgroundKubectl(spawn(this.binary, this.args(args), { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A kubectl running in the background: its output so far, and its end. */
export class BackgroundKubectl {
  stdout = '';
  stderr = '';
  private readonly exited: Promise<KubectlResult>;
  private readonly output = new Signal();
  private closed = false;

  constructor(private readonly child: ReturnType<typeof spawn>) {
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.output.notify();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.output.notify();
    });
    this.exited = new Promise((resolve) => {
      child.on('close', (code, signal) => {
        this.closed = true;
        this.output.notify();
        resolve({ code: code ?? (signal ? 128 : 1), stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** True until kubectl has exited. */
  get running(): boolean {
    return !this.closed;
  }

  /**
   * Resolves once the output (`stdout` unless told) matches, or rejects with the output after
   * `timeoutMs` or when kubectl exits without it.
   */
  async waitFor(pattern: RegExp, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    const matched = await waitFor(() => pattern.test(this[stream]) || (this.closed ? 'exited' : false), {
      timeoutMs,
      wakeOn: this.output,
      what: `${pattern} in kubectl's ${stream}`,
      detail: () => `stdout: ${this.stdout}\nstderr: ${this.stderr}`,
    });
    if (matched === 'exited' && !pattern.test(this[stream])) {
      throw new Error(`kubectl exited without ${pattern} in its ${stream}:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
    }
  }

  /** Resolves when kubectl exits by itself, or rejects after `timeoutMs` (and kills it). */
  async exit(timeoutMs = 20_000): Promise<KubectlResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`kubectl did not exit in time:\n${this.stdout}\nstderr: ${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops kubectl (SIGTERM) and returns what it printed. */
  async stop(): Promise<KubectlResult> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
