/**
 * One etcd server process for tests: started, killed (as a crash), restarted on the same data
 * directory and ports, and stopped. Every process started here is also killed when the test
 * process exits, whatever happens to the tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { waitFor } from '../wait-for.js';

/** Client TLS of a member: its certificate files, and the PEMs a client presents to it. */
export interface EtcdMemberTls {
  certFile: string;
  keyFile: string;
  caFile: string;
  client: { ca: string; cert: string; key: string };
}

export interface EtcdMemberConfig {
  binary: string;
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  /** `name=peerUrl,...` of every member of the cluster. */
  initialCluster: string;
  clusterToken: string;
  /** Serve clients over TLS and require client certificates signed by the CA. */
  tls?: EtcdMemberTls;
  extraArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

const LOG_LINES = 200;

export class EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: string[] = [];

  constructor(private readonly config: EtcdMemberConfig) {
    this.name = config.name;
    this.clientUrl = `${config.tls ? 'https' : 'http'}://127.0.0.1:${config.clientPort}`;
    this.peerUrl = `http://127.0.0.1:${config.peerPort}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns the process (on the existing data directory, if any); see {@link waitHealthy}. */
  start(): void {
    if (this.child) throw new Error(`etcd member ${this.name} is already running`);
    installExitHook();
    const c = this.config;
    const args = [
      `--name=${c.name}`,
      `--data-dir=${c.dataDir}`,
      `--listen-client-urls=${this.clientUrl}`,
      `--advertise-client-urls=${this.clientUrl}`,
      `--listen-peer-urls=${this.peerUrl}`,
      `--initial-advertise-peer-urls=${this.peerUrl}`,
      `--initial-cluster=${c.initialCluster}`,
      `--initial-cluster-token=${c.clusterToken}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=warn',
      ...(c.tls ? [`--cert-file=${c.tls.certFile}`, `--key-file=${c.tls.keyFile}`, `--trusted-ca-file=${c.tls.caFile}`, '--client-cert-auth'] : []),
      ...(c.extraArgs ?? []),
    ];
    const child = spawn(c.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.log.push(line);
        if (this.log.length > LOG_LINES) this.log.shift();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        this.log.push(`[process exited: code ${code}, signal ${signal}]`);
        resolve();
      });
      child.once('error', (err) => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        this.log.push(`[process error: ${err.message}]`);
        resolve();
      });
    });
  }

  /**
   * Resolves once the member answers `/health` with a leader and quorum; rejects when the
   * process dies first or `timeoutMs` passes, with the end of its log.
   */
  async waitHealthy(timeoutMs = 15_000): Promise<void> {
    let last = 'no answer yet';
    await waitFor(
      async () => {
        if (!this.child) throw new Error(`etcd member ${this.name} is not running:\n${this.recentLog()}`);
        try {
          const { status, body } = await this.getHealth();
          if (status === 200 && /"health"\s*:\s*"true"/.test(body)) return true;
          last = `HTTP ${status} ${body}`;
        } catch (err) {
          last = String(err);
        }
        return false;
      },
      { timeoutMs, intervalMs: 50, what: `etcd member ${this.name} to be healthy`, detail: () => `${last}:\n${this.recentLog()}` },
    );
  }

  private getHealth(): Promise<{ status: number; body: string }> {
    const tls = this.config.tls?.client;
    const url = `${this.clientUrl}/health`;
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      };
      const req = tls ? httpsRequest(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 1000 }, onResponse) : httpRequest(url, { timeout: 1000 }, onResponse);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Kills the process at once (SIGKILL), as a crash would, and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the process gently (SIGTERM), killing it if it has not exited after `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines the process wrote, for failure messages. */
  recentLog(): string {
    return this.log.slice(-40).join('\n');
  }
}
