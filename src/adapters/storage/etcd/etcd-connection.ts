/**
 * The etcd client of one store, and the one way its unary calls are made: under a deadline
 * that covers every retry, retrying reads on any availability error and writes only when they
 * certainly were not applied, and turning what is left into StorageError `Unavailable`.
 */
import { ConsecutiveBreaker, circuitBreaker, handleWhen, noop } from 'cockatiel';
import { Etcd3, GRPCInvalidArgumentError, type IOptions } from 'etcd3';
import { StorageError } from '../../../ports/object-store.port.js';
import {
  isCompactedError,
  isConnectionError,
  isFutureRevisionError,
  isNotAppliedError,
  isRequestTooLargeError,
  isRetryableReadError,
  unavailable,
} from './etcd-errors.js';
import { EtcdMemberReadiness, skipUnready } from './etcd-member-readiness.js';
import type { ResolvedEtcdOptions } from './etcd-object-store-options.js';

/** The per-call options the etcd3 client passes to gRPC. */
export interface CallOptions {
  deadline: number;
}

export type CallKind = 'read' | 'write';

const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 250;

export class EtcdConnection {
  readonly client: Etcd3;
  private readonly readiness = new EtcdMemberReadiness();
  private closed = false;

  constructor(private readonly options: ResolvedEtcdOptions) {
    this.client = new Etcd3(clientOptions(options, () => this.readiness));
    this.readiness.attach(this.client);
  }

  /**
   * Runs `call` until it succeeds, fails for good, or `timeoutMs` has passed. etcd's revision
   * errors (compacted, future revision) come back as they are, for the caller to name; a
   * rejected argument (e.g. a value over etcd's request size limit) as a plain Error; every
   * other failure as StorageError `Unavailable`. (The port has no code for a value too large
   * for the store: such a write fails with a plain Error, which the registry answers with 500.)
   */
  async run<T>(what: string, kind: CallKind, call: (o: CallOptions) => Promise<T>, timeoutMs = this.options.requestTimeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw StorageError.closed(`etcd: ${what}`);
      // No member's connection is ready (at start, or every member restarted): wait for one
      // rather than let gRPC hold the call on a member that may not serve for seconds.
      if (!this.readiness.anyReady()) await this.readiness.waitForAnyReady(deadline, () => this.closed);
      try {
        return await call({ deadline });
      } catch (err) {
        if (isCompactedError(err) || isFutureRevisionError(err)) throw err;
        if (isRequestTooLargeError(err)) throw new Error(`etcd: ${what}: the request is larger than etcd accepts (its --max-request-bytes): ${err instanceof Error ? err.message : String(err)}`);
        if (err instanceof GRPCInvalidArgumentError) throw new Error(`etcd: ${what}: ${err.message}`);
        const retry = kind === 'read' ? isRetryableReadError(err) : isNotAppliedError(err);
        const wait = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
        if (!retry || this.closed || Date.now() + wait >= deadline) throw unavailable(what, err);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

function clientOptions(o: ResolvedEtcdOptions, readiness: () => EtcdMemberReadiness | undefined): IOptions {
  const options: IOptions = {
    hosts: o.endpoints,
    faultHandling: {
      // Retries are ours (see run): the client's default would also retry ambiguous writes.
      global: noop,
      // A member that refuses connections is skipped for a second, then tried again.
      // While some member's connection is ready, members whose connection is not are skipped.
      host: (host) =>
        skipUnready(circuitBreaker(handleWhen(isConnectionError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(2) }), host, readiness),
    },
    grpcOptions: {
      // Watch catch-up may send many events in one response.
      'grpc.max_receive_message_length': -1,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    },
  };
  if (o.tls) {
    options.credentials = {
      // grpc takes null for "the system roots"; etcd3's type insists on a Buffer.
      rootCertificate: (o.tls.ca === undefined ? null : toBuffer(o.tls.ca)) as Buffer,
      privateKey: o.tls.key === undefined ? undefined : toBuffer(o.tls.key),
      certChain: o.tls.cert === undefined ? undefined : toBuffer(o.tls.cert),
    };
  }
  return options;
}

function toBuffer(pem: Buffer | string): Buffer {
  return typeof pem === 'string' ? Buffer.from(pem, 'utf8') : pem;
}
