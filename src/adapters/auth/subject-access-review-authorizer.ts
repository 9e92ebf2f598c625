import type { AuthorizationResult, Authorizer, RequestAttributes } from '../../ports/authorizer.port.js';
import type { MainServerClient } from './delegation/main-server-client.js';
import { TtlCache } from './delegation/ttl-cache.js';
import { statusMessage } from './token-review-authenticator.js';

export interface SubjectAccessReviewOptions {
  /** `--authorization-webhook-cache-authorized-ttl`: how long an allow is kept. Default 10 s. */
  allowedTtlMs?: number;
  /** `--authorization-webhook-cache-unauthorized-ttl`: how long a refusal is kept. Default 10 s. */
  deniedTtlMs?: number;
  /** How long the main server may take to answer (default 10 s); then the request fails. */
  timeoutMs?: number;
  /** Told why a review could not be had (for a log). */
  onError?: (reason: string) => void;
}

const SUBJECT_ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

/**
 * Delegated authorization, as k8s.io/apiserver's delegating authorizer: each request's
 * attributes are put to the main API server as an `authorization.k8s.io/v1`
 * SubjectAccessReview. `status.allowed` allows, `status.denied` denies, anything else has no
 * opinion (so the request is forbidden, with the main server's reason). Allows are kept for
 * the allowed TTL and refusals for the denied TTL, by the review's spec. A main server that
 * fails, hangs past the timeout or answers garbage makes the authorizer reject: the request is
 * not served (500, as Kubernetes answers an authorizer error), and nothing is kept.
 */
export class SubjectAccessReviewAuthorizer implements Authorizer {
  private readonly cache: TtlCache<AuthorizationResult>;
  private readonly timeoutMs: number;
  /** How many reviews were sent (tests, metrics). */
  reviews = 0;

  constructor(
    private readonly client: MainServerClient,
    private readonly options: SubjectAccessReviewOptions = {},
  ) {
    const allowed = options.allowedTtlMs ?? 10_000;
    const denied = options.deniedTtlMs ?? 10_000;
    this.cache = new TtlCache((r) => (r.decision === 'allow' ? allowed : denied));
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async authorize(a: RequestAttributes): Promise<AuthorizationResult> {
    const spec = reviewSpec(a);
    return this.cache.get(JSON.stringify(spec), () => this.review(spec));
  }

  private async review(spec: Record<string, unknown>): Promise<AuthorizationResult> {
    this.reviews++;
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: false } };
    let answer;
    try {
      answer = await this.client.request('POST', SUBJECT_ACCESS_REVIEWS, body, this.timeoutMs);
    } catch (err) {
      throw this.failed(`subject access review: ${(err as Error).message}`);
    }
    if (answer.status < 200 || answer.status > 299) {
      throw this.failed(`subject access review: the main API server answered HTTP ${answer.status}${statusMessage(answer.body)}`);
    }
    const b = answer.body as Record<string, unknown> | undefined;
    const status = b && typeof b === 'object' && b.kind === 'SubjectAccessReview' ? (b.status as Record<string, unknown> | undefined) : undefined;
    if (!status || typeof status !== 'object' || typeof status.allowed !== 'boolean') {
      throw this.failed('subject access review: the answer is not a SubjectAccessReview with a status');
    }
    const reason = typeof status.reason === 'string' && status.reason !== '' ? status.reason : undefined;
    if (status.allowed) return { decision: 'allow', reason };
    return { decision: status.denied === true ? 'deny' : 'no-opinion', reason };
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

/** The SubjectAccessReview spec of a request, as k8s.io/apiserver's webhook authorizer writes it. */
export function reviewSpec(a: RequestAttributes): Record<string, unknown> {
  const spec: Record<string, unknown> = { user: a.user.username, groups: [...(a.user.groups ?? [])] };
  if (a.user.uid) spec.uid = a.user.uid;
  if (a.user.extra && Object.keys(a.user.extra).length > 0) spec.extra = structuredClone(a.user.extra);
  if (a.resourceRequest) {
    spec.resourceAttributes = {
      namespace: a.namespace,
      verb: a.verb,
      group: a.apiGroup,
      version: a.apiVersion,
      resource: a.resource,
      subresource: a.subresource,
      name: a.name,
    };
  } else {
    spec.nonResourceAttributes = { path: a.path, verb: a.verb };
  }
  return spec;
}
