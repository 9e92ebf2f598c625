import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where etcd is looked for; the bench never installs it. */
export function findEtcd(): string | undefined {
  for (const candidate of [process.env.ETCD_BIN, '/usr/bin/etcd', '/usr/local/bin/etcd']) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A single-member etcd on 127.0.0.1 with a fresh data directory on the same disk as the
 * SQLite figures, with etcd's default durability (a WAL fsync per batch of proposals).
 */
export class LocalEtcd {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly endpoint: string,
  ) {}

  static async start(binary: string): Promise<LocalEtcd> {
    const [client, peer] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'apiserver-kit-bench-etcd-'));
    const endpoint = `http://127.0.0.1:${client}`;
    const peerUrl = `http://127.0.0.1:${peer}`;
    const child = spawn(
      binary,
      [
        '--name=bench',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${endpoint}`,
        `--advertise-client-urls=${endpoint}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=bench=${peerUrl}`,
        '--log-level=error',
        '--logger=zap',
      ],
      { stdio: 'ignore' },
    );
    process.once('exit', () => child.kill('SIGKILL'));
    const etcd = new LocalEtcd(child, dataDir, endpoint);
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`${endpoint}/health`);
        if (res.ok && /"health"\s*:\s*"true"/.test(await res.text())) return etcd;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        await etcd.stop();
        throw new Error(`etcd did not become healthy (exit code ${child.exitCode})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await gone;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
