import type { UserInfo } from '../domain/resource/strategy.js';

/**
 * What is asked of the authorizer, as Kubernetes' request info builds it (k8s.io/apiserver
 * `RequestInfoFactory`): who, which verb, and either the resource or the non-resource path.
 * Empty strings stand for "none" (the core group is `''` too).
 */
export interface RequestAttributes {
  user: UserInfo;
  /**
   * Resource requests: get, list, watch, create, update, patch, delete, deletecollection
   * (or another verb a review asks about). Non-resource requests: the HTTP method in lower
   * case (get, post, put, patch, delete, head, options).
   */
  verb: string;
  resourceRequest: boolean;
  /** The request path, without the query. */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/**
 * - `allow`: the request may go on;
 * - `deny`: it may not, and no later authorizer is asked;
 * - `no-opinion`: this authorizer does not decide; when none does, the request is forbidden.
 */
export type Decision = 'allow' | 'deny' | 'no-opinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why; appended to a Forbidden message after `: ` when not empty. */
  reason?: string;
}

/**
 * Decides whether a request may be served. The transport asks once per request, after
 * authentication and before anything else of the request is read, and answers 403 Forbidden
 * unless the decision is `allow`. Rejecting means the authorizer could not decide (a backing
 * service is down); the transport then answers 500 and the request is not served.
 *
 * Lists and watches across all namespaces are asked with `namespace: ''`: only a cluster-wide
 * permission allows them (no partial lists).
 */
export interface Authorizer {
  authorize(attributes: RequestAttributes): Promise<AuthorizationResult>;
}

/** One rule of what a user may do with resources (authorization.k8s.io/v1 ResourceRule). */
export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
}

/** One rule of what a user may do with non-resource paths (NonResourceRule). */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

/** What a rule resolver tells about one user in one namespace (SelfSubjectRulesReview). */
export interface UserRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when the answer may leave out what other authorizers would allow. */
  incomplete: boolean;
  evaluationError?: string;
}

/**
 * Optional side of an authorizer that can list what a user may do (the file policy can; a
 * delegated SubjectAccessReview cannot). Serves `kubectl auth can-i --list`.
 */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): Promise<UserRules>;
}

export const AUTHORIZER = Symbol.for('apiserver-kit.Authorizer');
