import { isApiError } from '../../../domain/errors/api-error.js';

/** The request a failure was met serving, as logs name it. */
export interface FailedRequest {
  method: string;
  path: string;
}

/**
 * What the log says about a request answered with a 5xx (or failed after its answer began).
 *
 * - An ApiError (a failure the server foresaw: storage unavailable, a timeout): one line with
 *   what the client was told and the chain of causes behind it, e.g. `... 503
 *   ServiceUnavailable: the storage backend is unavailable; cause: sqlite:/data/db.sqlite:
 *   write failed: database or disk is full [SQLITE_FULL] (...)`. No stack: it is known where
 *   such failures come from, and a stack per failed request would bury the cause.
 * - Anything else (a bug, an unforeseen failure): its stack, and each cause's stack.
 */
export function describeFailure(err: unknown, request: FailedRequest): string {
  const where = `${request.method} ${request.path}`;
  if (isApiError(err)) {
    const chain = causeChain(err);
    return `failed ${where}: ${err.code} ${err.reason}: ${err.message}${chain.length > 0 ? `; cause: ${chain.join('; caused by: ')}` : ''}`;
  }
  const lines = [`internal error serving ${where}: ${stackOf(err)}`];
  for (let c = causeOf(err), depth = 0; c !== undefined && depth < MAX_CAUSES; c = causeOf(c), depth++) {
    lines.push(`  caused by: ${stackOf(c)}`);
  }
  return lines.join('\n');
}

/** Causes followed at most, against cycles and absurd chains. */
const MAX_CAUSES = 8;

/**
 * One text per cause below `err`, outermost first. A cause whose message its parent already
 * quotes (a StorageError says what SQLite reported) adds only what it has beyond that: nothing.
 */
function causeChain(err: Error): string[] {
  const texts: string[] = [];
  let parentText = err.message;
  for (let c = causeOf(err), depth = 0; c !== undefined && depth < MAX_CAUSES; c = causeOf(c), depth++) {
    const message = c instanceof Error ? c.message : String(c);
    if (message === '' || !parentText.includes(message)) texts.push(describeOne(c));
    parentText = message;
  }
  return texts;
}

/** `CODE: message` where the error has a code (SQLITE_FULL, ENOSPC), else `Name: message`. */
function describeOne(c: unknown): string {
  if (!(c instanceof Error)) return String(c);
  const code = (c as { code?: unknown }).code;
  const label = typeof code === 'string' && code !== '' ? code : c.name;
  return label && label !== 'Error' ? `${label}: ${c.message}` : c.message;
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}

function stackOf(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
