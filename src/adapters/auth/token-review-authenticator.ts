import { createHash } from 'node:crypto';
import type { UserInfo } from '../../domain/resource/strategy.js';
import type { AuthenticationRequest, AuthenticationResult, Authenticator } from '../../ports/authenticator.port.js';
import { bearerToken } from './bearer-token-authenticator.js';
import type { MainServerClient } from './delegation/main-server-client.js';
import { TtlCache } from './delegation/ttl-cache.js';

export interface TokenReviewOptions {
  /** `--authentication-token-webhook-cache-ttl`: how long an answer (yes or no) is kept. Default 10 s. */
  cacheTtlMs?: number;
  /** How long the main server may take to answer (default 10 s); then the request is a 401. */
  timeoutMs?: number;
  /** Audiences the token must be for (TokenReview `spec.audiences`); none by default. */
  audiences?: readonly string[];
  /** Told why a review could not be had (for a log). */
  onError?: (reason: string) => void;
}

const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';

/**
 * Delegated token authentication, as k8s.io/apiserver's delegating authenticator: a bearer
 * token is put to the main API server as an `authentication.k8s.io/v1` TokenReview; an
 * authenticated answer names the user (name, uid, groups, extra), an unauthenticated one is an
 * error (401). Both answers are kept for the cache TTL, by the token's SHA-256. A main server
 * that fails, hangs past the timeout or answers something that is not a TokenReview makes the
 * authenticator reject (the chain answers 401); such failures are not kept.
 */
export class TokenReviewAuthenticator implements Authenticator {
  private readonly cache: TtlCache<AuthenticationResult>;
  private readonly timeoutMs: number;
  /** How many reviews were sent (tests, metrics). */
  reviews = 0;

  constructor(
    private readonly client: MainServerClient,
    private readonly options: TokenReviewOptions = {},
  ) {
    const ttl = options.cacheTtlMs ?? 10_000;
    this.cache = new TtlCache(() => ttl);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return undefined;
    const key = createHash('sha256').update(token, 'utf8').digest('base64');
    return this.cache.get(key, () => this.review(token));
  }

  private async review(token: string): Promise<AuthenticationResult> {
    this.reviews++;
    const spec: Record<string, unknown> = { token };
    if (this.options.audiences?.length) spec.audiences = [...this.options.audiences];
    const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: { creationTimestamp: null }, spec, status: {} };
    let answer;
    try {
      answer = await this.client.request('POST', TOKEN_REVIEWS, body, this.timeoutMs);
    } catch (err) {
      throw this.failed(`token review: ${(err as Error).message}`);
    }
    if (answer.status < 200 || answer.status > 299) throw this.failed(`token review: the main API server answered HTTP ${answer.status}${statusMessage(answer.body)}`);
    const status = readStatus(answer.body);
    if (!status) throw this.failed('token review: the answer is not a TokenReview with a status');
    if (status.authenticated !== true) return { error: `token review: ${typeof status.error === 'string' && status.error ? status.error : 'the token was not accepted'}` };
    const user = readUser(status.user);
    if (!user) throw this.failed('token review: an authenticated answer without a user name');
    return { user };
  }

  /** Closes the connections to the main server. */
  close(): void {
    this.client.close();
  }

  private failed(reason: string): Error {
    this.options.onError?.(reason);
    return new Error(reason);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readStatus(body: unknown): Record<string, unknown> | undefined {
  if (!isRecord(body) || body.kind !== 'TokenReview' || !isRecord(body.status)) return undefined;
  return body.status;
}

function readUser(v: unknown): UserInfo | undefined {
  if (!isRecord(v) || typeof v.username !== 'string' || v.username === '') return undefined;
  const user: UserInfo = { username: v.username, groups: Array.isArray(v.groups) ? v.groups.filter((g): g is string => typeof g === 'string') : [] };
  if (typeof v.uid === 'string' && v.uid !== '') user.uid = v.uid;
  if (isRecord(v.extra)) {
    const extra: Record<string, string[]> = {};
    for (const [k, vals] of Object.entries(v.extra)) if (Array.isArray(vals)) extra[k] = vals.filter((x): x is string => typeof x === 'string');
    if (Object.keys(extra).length > 0) user.extra = extra;
  }
  return user;
}

/** `: message` of a Status body, for the log. */
export function statusMessage(body: unknown): string {
  return isRecord(body) && typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
}
