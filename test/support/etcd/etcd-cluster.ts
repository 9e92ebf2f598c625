/**
 * Real etcd clusters for tests: one or more members on free 127.0.0.1 ports, each with its
 * own temporary data directory (under /dev/shm when it has room, so fsync costs nothing), tuned
 * for fast failover (50 ms heartbeats, 500 ms elections) and frequent watch progress
 * notifications (100 ms). Stop every cluster a test starts, in an `after` hook.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEtcdBinary } from './etcd-binary.js';
import { EtcdMember, type EtcdMemberTls } from './etcd-member.js';
import { type EtcdTestCertificates, makeEtcdTestCertificates } from './etcd-test-certificates.js';
import { freePorts } from './free-ports.js';

export interface EtcdClusterOptions {
  /** How many members (default 1). */
  size?: number;
  /** Serve clients over TLS with client certificates (made for the cluster; see `tls`). */
  tls?: boolean;
  /** Extra flags for every member. */
  extraArgs?: readonly string[];
}

/**
 * The watch progress interval of test clusters. Production etcd defaults to 10 minutes; the
 * etcd adapter's bookmarks move with it (see `EtcdObjectStore`).
 */
export const TEST_PROGRESS_NOTIFY_INTERVAL = '100ms';

const TUNING = [
  '--heartbeat-interval=50',
  '--election-timeout=500',
  `--experimental-watch-progress-notify-interval=${TEST_PROGRESS_NOTIFY_INTERVAL}`,
];

export class EtcdCluster {
  private stopped = false;

  private constructor(
    readonly members: readonly EtcdMember[],
    private readonly baseDir: string,
    /** For a TLS cluster: the PEMs (CA, and the client certificate and key to present). */
    readonly tls: EtcdTestCertificates | undefined,
  ) {}

  /** Starts a new cluster on fresh data and waits until every member is healthy. */
  static async start(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const size = options.size ?? 1;
    const binary = await ensureEtcdBinary();
    let lastError: unknown;
    // A port found free may be taken before etcd binds it: try again on new ports.
    for (let attempt = 0; attempt < 3; attempt++) {
      const baseDir = await mkdtemp(join(await scratchRoot(), 'apiserver-kit-etcd-'));
      const ports = await freePorts(2 * size);
      const token = `test-${randomBytes(6).toString('hex')}`;
      const names = Array.from({ length: size }, (_, i) => `m${i}`);
      const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[2 * i + 1]}`).join(',');
      const certificates = options.tls ? await makeEtcdTestCertificates() : undefined;
      const tls = certificates ? await writeCertificates(baseDir, certificates) : undefined;
      const members = names.map(
        (name, i) =>
          new EtcdMember({
            binary,
            name,
            clientPort: ports[2 * i]!,
            peerPort: ports[2 * i + 1]!,
            dataDir: join(baseDir, name),
            initialCluster,
            clusterToken: token,
            tls,
            extraArgs: [...TUNING, ...(options.extraArgs ?? [])],
          }),
      );
      const cluster = new EtcdCluster(members, baseDir, certificates);
      try {
        for (const m of members) m.start();
        await cluster.waitHealthy();
        return cluster;
      } catch (err) {
        lastError = err;
        await cluster.stop();
      }
    }
    throw lastError;
  }

  /** Every member's client URL, in member order. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  member(index: number): EtcdMember {
    const m = this.members[index];
    if (!m) throw new Error(`no member ${index} in a cluster of ${this.members.length}`);
    return m;
  }

  /** Kills member `index` at once (SIGKILL). */
  async kill(index: number): Promise<void> {
    await this.member(index).kill();
  }

  /** Starts member `index` again on its data directory; does not wait for quorum. */
  restart(index: number): void {
    this.member(index).start();
  }

  /** Waits until every running member reports a healthy cluster. */
  async waitHealthy(timeoutMs = 15_000): Promise<void> {
    await Promise.all(this.members.filter((m) => m.running).map((m) => m.waitHealthy(timeoutMs)));
  }

  /** Stops every member and removes the data; may be called more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.members.map((m) => m.stop()));
    await rm(this.baseDir, { recursive: true, force: true });
  }
}

async function writeCertificates(dir: string, c: EtcdTestCertificates): Promise<EtcdMemberTls> {
  const tls: EtcdMemberTls = {
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    caFile: join(dir, 'ca.crt'),
    client: { ca: c.ca, cert: c.clientCert, key: c.clientKey },
  };
  await writeFile(tls.certFile, c.serverCert);
  await writeFile(tls.keyFile, c.serverKey, { mode: 0o600 });
  await writeFile(tls.caFile, c.ca);
  return tls;
}

/** etcd preallocates 64 MiB write-ahead log segments: a member needs room for a few. */
const MIN_SCRATCH_BYTES = 1024 ** 3;

async function scratchRoot(): Promise<string> {
  try {
    await access('/dev/shm', constants.W_OK);
    const fs = await statfs('/dev/shm');
    if (fs.bavail * fs.bsize >= MIN_SCRATCH_BYTES) return '/dev/shm';
  } catch {
    // No usable /dev/shm: use the temporary directory.
  }
  return tmpdir();
}
