/**
 * How the adapter reads errors from etcd and its client. The etcd3 client casts gRPC errors
 * to classes by status code and keeps etcd's message; etcd's own conditions are told apart by
 * that message, as etcd's Go client does.
 */
import { isBrokenCircuitError } from 'cockatiel';
import { ClientClosedError, isRecoverableError } from 'etcd3';
import { StorageError } from '../../../ports/object-store.port.js';
import { MemberNotReadyError } from './etcd-member-readiness.js';

const COMPACTED = 'required revision has been compacted';
const FUTURE_REVISION = 'required revision is a future revision';

/** A read at (or a watch from) a revision older than etcd's compaction point. */
export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED);
}

/** A read at a revision newer than etcd's current one. */
export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE_REVISION);
}

/**
 * The request is larger than etcd accepts (`--max-request-bytes`, 1.5 MiB by default; gRPC's
 * own limit above that). Permanent: retrying cannot help.
 */
export function isRequestTooLargeError(err: unknown): boolean {
  return err instanceof Error && (err.message.includes('etcdserver: request is too large') || err.message.includes('received message larger than max'));
}

/**
 * The request certainly was not applied: it never left this process (no connection, or the
 * client's circuit breaker held it back) or etcd refused it before proposing it. Retrying such a
 * write on another member cannot apply it twice.
 */
export function isNotAppliedError(err: unknown): boolean {
  if (isBrokenCircuitError(err) || err instanceof MemberNotReadyError) return true;
  if (!(err instanceof Error)) return false;
  const m = err.message;
  return (
    m.includes('No connection established') ||
    m.includes('ECONNREFUSED') ||
    m.includes('etcdserver: no leader') ||
    m.includes('etcdserver: not capable') ||
    m.includes('etcdserver: too many requests')
  );
}

/**
 * A failure a read may retry: any connection or availability error. Writes retry only
 * {@link isNotAppliedError} ones: after a timeout or a dropped connection a write may still
 * have been applied, and a blind retry would then report a Conflict or KeyExists of its own.
 */
export function isRetryableReadError(err: unknown): boolean {
  if (isNotAppliedError(err)) return true;
  if (!(err instanceof Error)) return false;
  if (isRecoverableError(err)) return true;
  const m = err.message;
  return m.includes('etcdserver: request timed out') || m.includes('etcdserver: leader changed');
}

/** etcd refuses writes: its database reached `--quota-backend-bytes` and the NOSPACE alarm is raised. */
export function isNoSpaceAlarmError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('database space exceeded');
}

/** Connection-level failures, for the per-member circuit breaker. */
export function isConnectionError(err: Error): boolean {
  const m = err.message;
  return m.includes('No connection established') || m.includes('ECONNREFUSED') || m.includes('ECONNRESET');
}

/** A failure of etcd (or of the way to it) as the port names it, etcd's error kept as the cause. */
export function unavailable(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  if (err instanceof ClientClosedError) return StorageError.closed(`etcd: ${what}`);
  if (isNoSpaceAlarmError(err)) {
    return StorageError.noSpace(`etcd: ${what}`, err, {
      hint: "etcd's NOSPACE alarm is raised (its --quota-backend-bytes is reached): compact, defragment and `etcdctl alarm disarm`",
    });
  }
  return StorageError.unavailable(`etcd: ${what}`, err);
}
