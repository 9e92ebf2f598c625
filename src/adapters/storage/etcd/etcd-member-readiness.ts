/**
 * Which etcd members' connections are ready, for routing calls the way Go's clientv3 does.
 *
 * A restarted etcd 3.4 member accepts TCP connections at once but answers gRPC only once it has
 * rejoined the cluster, which can take seconds; grpc-js holds a call on a connection still being
 * set up until the call's deadline ("Waiting for LB pick"), and the etcd3 client picks a member
 * at random per call. So: while some member's connection is READY, calls skip the members whose
 * connection is not (nudging those to connect); while none is, a call first waits (within its
 * deadline) for one to become READY. A connection that fails fast (refused) is no worse than
 * before: such calls are retried as they were.
 *
 * The connection states come from the etcd3 client's pool (its `pool.hosts`, each with the gRPC
 * clients it made), which etcd3 does not export as API: if their shape is not as expected, every
 * member counts as ready and calls are routed as etcd3 does on its own.
 */
import type { IDefaultPolicyContext, IPolicy } from 'cockatiel';
import type { Etcd3 } from 'etcd3';

/**
 * gRPC's connectivity states, as grpc-js numbers them (its `connectivityState` enum; grpc-js is
 * etcd3's dependency, not this package's).
 */
const CONNECTING = 1;
const READY = 2;
const IDLE = 0;

/** The part of a grpc-js channel used here. */
interface Channel {
  getConnectivityState(tryToConnect: boolean): number;
  watchConnectivityState(current: number, deadline: number, callback: (err?: Error) => void): void;
}

/** The part of etcd3's `Host` used here. */
interface PoolHost {
  readonly host: string;
  getServiceClient(name: string): { getChannel(): Channel };
}

/** The gRPC service whose channel stands for a member: the one unary calls use. */
const SERVICE = 'KV';

export class EtcdMemberReadiness {
  private hosts: PoolHost[] | undefined;

  /** Binds to the client's pool; without a pool of the expected shape, does nothing. */
  attach(client: Etcd3): void {
    const hosts = (client as unknown as { pool?: { hosts?: unknown } }).pool?.hosts;
    if (Array.isArray(hosts) && hosts.every(isPoolHost)) this.hosts = hosts;
  }

  /** Whether a call may go to member `host` (as etcd3 spells it: host:port, no scheme). */
  mayUse(host: string): boolean {
    const hosts = this.hosts;
    if (!hosts) return true;
    const target = hosts.find((h) => h.host === host);
    if (!target || this.state(target, false) === READY) return true;
    if (!hosts.some((h) => this.state(h, false) === READY)) return true;
    this.state(target, true);
    return false;
  }

  /** Whether some member's connection is ready (true when states are not known). */
  anyReady(): boolean {
    const hosts = this.hosts;
    return !hosts || hosts.some((h) => this.state(h, false) === READY);
  }

  /**
   * Resolves when some member's connection is ready or at `deadline`, whichever comes first;
   * asks every idle connection to connect meanwhile. Resolves at once when no connection is
   * being set up (every member refused it): the call then fails fast and is retried as before.
   */
  async waitForAnyReady(deadline: number, isClosed: () => boolean): Promise<void> {
    const hosts = this.hosts;
    if (!hosts) return;
    while (Date.now() < deadline && !isClosed()) {
      const channels = hosts.map((h) => this.channel(h)).filter((c) => c !== undefined);
      const states = channels.map((c) => c.getConnectivityState(true));
      if (states.includes(READY)) return;
      // Every connection failed (members refuse them): let the call fail fast, as it would.
      if (!states.some((s) => s === CONNECTING || s === IDLE)) return;
      // Wake up on the first state change of any member's connection (or after a short while:
      // etcd3 replaces a member's clients after a failure, and the new channel is not watched).
      const until = Math.min(deadline, Date.now() + 100);
      await new Promise<void>((resolve) => {
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(finish, Math.max(0, until - Date.now()));
        for (const c of channels) {
          try {
            c.watchConnectivityState(c.getConnectivityState(false), until, finish);
          } catch {
            finish();
          }
        }
      });
    }
  }

  private channel(h: PoolHost): Channel | undefined {
    try {
      return h.getServiceClient(SERVICE).getChannel();
    } catch {
      // The client is closed.
      return undefined;
    }
  }

  private state(h: PoolHost, connect: boolean): number | undefined {
    try {
      return this.channel(h)?.getConnectivityState(connect);
    } catch {
      return undefined;
    }
  }
}

/**
 * A call that skipped a member whose connection is not ready: it never left this process.
 * etcd3 tries the next member; this reaches the caller only if every member was skipped.
 */
export class MemberNotReadyError extends Error {
  constructor(host: string) {
    super(`etcd member ${host}: its connection is not ready`);
    this.name = 'MemberNotReadyError';
  }
}

/**
 * Wraps a member's fault-handling policy: a call to a member whose connection is not ready is
 * rejected at once (see {@link EtcdMemberReadiness.mayUse}) without counting as its failure.
 */
export function skipUnready<P extends IPolicy>(policy: P, host: string, readiness: () => EtcdMemberReadiness | undefined): IPolicy {
  const bare = host.replace(/^https?:\/\//, '');
  return {
    get _altReturn(): never {
      return policy._altReturn as never;
    },
    onSuccess: policy.onSuccess,
    onFailure: policy.onFailure,
    execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
      const r = readiness();
      if (r && !r.mayUse(bare)) return Promise.reject(new MemberNotReadyError(bare));
      return policy.execute(fn, signal) as Promise<T>;
    },
  };
}

function isPoolHost(h: unknown): h is PoolHost {
  return typeof h === 'object' && h !== null && typeof (h as PoolHost).host === 'string' && typeof (h as PoolHost).getServiceClient === 'function';
}
