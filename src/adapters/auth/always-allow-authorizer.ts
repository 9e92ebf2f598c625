import type { AuthorizationResult, Authorizer, RuleResolver, UserRules } from '../../ports/authorizer.port.js';

/** Allows everything: a server with no authorizer configured, as kube-apiserver's AlwaysAllow mode. */
export class AlwaysAllowAuthorizer implements Authorizer, RuleResolver {
  async authorize(): Promise<AuthorizationResult> {
    return { decision: 'allow' };
  }

  async rulesFor(): Promise<UserRules> {
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
}
