import type { UserInfo } from '../../domain/resource/strategy.js';
import { AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP } from '../../ports/authenticator.port.js';
import type { AuthorizationResult, Authorizer, RequestAttributes, RuleResolver, UserRules } from '../../ports/authorizer.port.js';
import { allows, appliesTo, rulesOf, type PolicyRule } from './policy-authorizer.js';

export interface AuthorizerChainOptions {
  /**
   * `--authorization-always-allow-paths`: non-resource paths allowed to anyone, exact or, ending
   * in `*`, as a prefix. Default `/healthz`, `/readyz`, `/livez`.
   */
  alwaysAllowPaths?: readonly string[];
  /** `--authorization-always-allow-groups`: users in these may do anything. Default `system:masters`. */
  alwaysAllowGroups?: readonly string[];
  /**
   * Whether the rules every Kubernetes cluster starts with hold (default true): see
   * {@link BOOTSTRAP_RULES}.
   */
  bootstrapRules?: boolean;
}

export const DEFAULT_ALWAYS_ALLOW_PATHS = ['/healthz', '/readyz', '/livez'];
export const DEFAULT_ALWAYS_ALLOW_GROUPS = ['system:masters'];

/**
 * What kube-apiserver's bootstrap RBAC policy grants everyone: health and version to anyone
 * (`system:public-info-viewer`), discovery and OpenAPI to authenticated users
 * (`system:discovery`), and asking about oneself (`system:basic-user`: the self reviews behind
 * `kubectl auth can-i` and `kubectl auth whoami`).
 */
export const BOOTSTRAP_RULES: readonly PolicyRule[] = [
  {
    groups: [AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP],
    verbs: ['get'],
    nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
  },
  {
    groups: [AUTHENTICATED_GROUP],
    verbs: ['get'],
    nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*'],
  },
  { groups: [AUTHENTICATED_GROUP], verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { groups: [AUTHENTICATED_GROUP], verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
];

/**
 * The server's authorizer: always-allowed paths and groups, the bootstrap rules, then the
 * configured authorizers in order, as k8s.io/apiserver's union: the first `allow` or `deny`
 * decides; when all have no opinion, the request is forbidden, with their reasons.
 */
export class AuthorizerChain implements Authorizer, RuleResolver {
  private readonly paths: readonly string[];
  private readonly groups: readonly string[];
  private readonly bootstrap: readonly PolicyRule[];

  constructor(
    readonly authorizers: readonly Authorizer[],
    options: AuthorizerChainOptions = {},
  ) {
    this.paths = options.alwaysAllowPaths ?? DEFAULT_ALWAYS_ALLOW_PATHS;
    for (const p of this.paths) {
      if (p.indexOf('*') >= 0 && p.indexOf('*') !== p.length - 1) throw new Error(`always-allow path "${p}" may only end in "*"`);
    }
    this.groups = options.alwaysAllowGroups ?? DEFAULT_ALWAYS_ALLOW_GROUPS;
    this.bootstrap = options.bootstrapRules === false ? [] : BOOTSTRAP_RULES;
  }

  async authorize(a: RequestAttributes): Promise<AuthorizationResult> {
    if (!a.resourceRequest && this.paths.some((p) => (p.endsWith('*') ? a.path.startsWith(p.slice(0, -1)) : a.path === p))) {
      return { decision: 'allow' };
    }
    if (this.privileged(a.user)) return { decision: 'allow' };
    if (this.bootstrap.some((rule) => appliesTo(rule, a.user) && allows(rule, a))) return { decision: 'allow' };
    const reasons: string[] = [];
    for (const authorizer of this.authorizers) {
      const result = await authorizer.authorize(a);
      if (result.decision !== 'no-opinion') return result;
      if (result.reason) reasons.push(result.reason);
    }
    return { decision: 'no-opinion', reason: reasons.join('\n') };
  }

  /**
   * What `user` may do in `namespace`: everything for the always-allowed groups, else the
   * bootstrap rules and what each authorizer able to list its rules lists; incomplete when an
   * authorizer cannot.
   */
  async rulesFor(user: UserInfo, namespace: string): Promise<UserRules> {
    if (this.privileged(user)) {
      return {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
    }
    const out = rulesOf(this.bootstrap, user, namespace);
    const errors: string[] = [];
    for (const authorizer of this.authorizers) {
      const resolver = authorizer as Partial<RuleResolver>;
      if (typeof resolver.rulesFor !== 'function') {
        out.incomplete = true;
        continue;
      }
      try {
        const rules = await resolver.rulesFor(user, namespace);
        out.resourceRules.push(...rules.resourceRules);
        out.nonResourceRules.push(...rules.nonResourceRules);
        if (rules.incomplete) out.incomplete = true;
        if (rules.evaluationError) errors.push(rules.evaluationError);
      } catch (err) {
        out.incomplete = true;
        errors.push((err as Error)?.message ?? String(err));
      }
    }
    if (errors.length > 0) out.evaluationError = errors.join('; ');
    return out;
  }

  private privileged(user: UserInfo): boolean {
    return (user.groups ?? []).some((g) => this.groups.includes(g));
  }
}
