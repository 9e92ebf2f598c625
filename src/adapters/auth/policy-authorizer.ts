import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { UserInfo } from '../../domain/resource/strategy.js';
import type {
  AuthorizationResult,
  Authorizer,
  NonResourceRule,
  RequestAttributes,
  ResourceRule,
  RuleResolver,
  UserRules,
} from '../../ports/authorizer.port.js';

/**
 * One rule of a policy file. Who (`users`, `groups`: any of them matches) may do what: either
 * with resources (`verbs`, `apiGroups`, `resources`, optionally `resourceNames` and
 * `namespaces`) or with non-resource paths (`verbs`, `nonResourceURLs`). As in RBAC, `*` in
 * verbs, apiGroups and resources matches anything, `widgets/status` that subresource only,
 * `*` followed by `/status` the status subresource of any resource, and a non-resource URL ending in `*` a
 * prefix. A rule without `namespaces` holds everywhere: in every namespace, at the cluster scope
 * and across all namespaces (what a ClusterRoleBinding grants); with `namespaces` it holds only
 * for requests inside those (what RoleBindings grant), so it never allows a list across all
 * namespaces.
 */
export interface PolicyRule {
  users?: string[];
  groups?: string[];
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  namespaces?: string[];
  nonResourceURLs?: string[];
}

export interface Policy {
  rules: PolicyRule[];
}

const RULE_FIELDS = new Set(['users', 'groups', 'verbs', 'apiGroups', 'resources', 'resourceNames', 'namespaces', 'nonResourceURLs']);

/** Reads a policy file (`--authorization-policy-file`), YAML or JSON. */
export function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`policy file ${path}: ${(err as Error).message}`);
  }
  return parsePolicy(text, path);
}

/** Parses and checks a policy (YAML or JSON); every problem is named with the rule's index. */
export function parsePolicy(text: string, source = 'policy'): Policy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not YAML or JSON: ${(err as Error).message}`);
  }
  return checkPolicy(doc, source);
}

export function checkPolicy(doc: unknown, source = 'policy'): Policy {
  if (!isObject(doc)) throw new Error(`${source}: must be an object with "rules"`);
  for (const key of Object.keys(doc)) {
    if (!['rules', 'apiVersion', 'kind'].includes(key)) throw new Error(`${source}: unknown field "${key}"`);
  }
  if (!Array.isArray(doc.rules)) throw new Error(`${source}: "rules" must be a list`);
  const problems: string[] = [];
  const rules = doc.rules.map((raw, i): PolicyRule => {
    const at = `rules[${i}]`;
    if (!isObject(raw)) {
      problems.push(`${at}: must be an object`);
      return { verbs: [] };
    }
    for (const key of Object.keys(raw)) if (!RULE_FIELDS.has(key)) problems.push(`${at}: unknown field "${key}"`);
    const list = (field: string): string[] | undefined => {
      const v = raw[field];
      if (v === undefined || v === null) return undefined;
      if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
        problems.push(`${at}.${field}: must be a list of strings`);
        return undefined;
      }
      return v as string[];
    };
    const rule: PolicyRule = { verbs: list('verbs') ?? [] };
    for (const field of ['users', 'groups', 'apiGroups', 'resources', 'resourceNames', 'namespaces', 'nonResourceURLs'] as const) {
      const v = list(field);
      if (v !== undefined) rule[field] = v;
    }
    if (rule.verbs.length === 0) problems.push(`${at}.verbs: at least one verb is required`);
    if (!rule.users?.length && !rule.groups?.length) problems.push(`${at}: name at least one of "users" and "groups"`);
    const resourceRule = rule.resources !== undefined || rule.apiGroups !== undefined;
    if (resourceRule && rule.nonResourceURLs !== undefined) {
      problems.push(`${at}: a rule is about resources (apiGroups, resources) or about nonResourceURLs, not both`);
    } else if (rule.nonResourceURLs !== undefined) {
      if (rule.nonResourceURLs.length === 0) problems.push(`${at}.nonResourceURLs: at least one path is required`);
      if (rule.namespaces !== undefined || rule.resourceNames !== undefined) {
        problems.push(`${at}: namespaces and resourceNames do not apply to nonResourceURLs`);
      }
      for (const url of rule.nonResourceURLs) {
        if (!url.startsWith('/') && url !== '*') problems.push(`${at}.nonResourceURLs: "${url}" must start with "/"`);
        if (url.indexOf('*') >= 0 && url.indexOf('*') !== url.length - 1) problems.push(`${at}.nonResourceURLs: "${url}" may only end in "*"`);
      }
    } else {
      if (!rule.apiGroups?.length) problems.push(`${at}.apiGroups: at least one group is required ("" is the core group, "*" any)`);
      if (!rule.resources?.length) problems.push(`${at}.resources: at least one resource is required ("*" any)`);
    }
    return rule;
  });
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return { rules };
}

/**
 * A policy authorizer: allows what some rule allows for the user, and has no opinion on the
 * rest (so the request is forbidden unless another authorizer allows it). It can also list the
 * rules that hold for a user in a namespace (SelfSubjectRulesReview).
 */
export class PolicyAuthorizer implements Authorizer, RuleResolver {
  readonly policy: Policy;

  constructor(policy: Policy) {
    this.policy = checkPolicy(policy);
  }

  static fromFile(path: string): PolicyAuthorizer {
    return new PolicyAuthorizer(readPolicyFile(path));
  }

  async authorize(a: RequestAttributes): Promise<AuthorizationResult> {
    for (const rule of this.policy.rules) {
      if (appliesTo(rule, a.user) && allows(rule, a)) return { decision: 'allow' };
    }
    return { decision: 'no-opinion', reason: '' };
  }

  async rulesFor(user: UserInfo, namespace: string): Promise<UserRules> {
    return rulesOf(this.policy.rules, user, namespace);
  }
}

/** The rules of `rules` that hold for `user` in `namespace`, as a rules review lists them. */
export function rulesOf(rules: readonly PolicyRule[], user: UserInfo, namespace: string): UserRules {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const rule of rules) {
    if (!appliesTo(rule, user)) continue;
    if (rule.nonResourceURLs !== undefined) {
      nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
    } else if (rule.namespaces === undefined || rule.namespaces.includes(namespace)) {
      resourceRules.push({
        verbs: [...rule.verbs],
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        resourceNames: [...(rule.resourceNames ?? [])],
      });
    }
  }
  return { resourceRules, nonResourceRules, incomplete: false };
}

export function appliesTo(rule: PolicyRule, user: UserInfo): boolean {
  if (rule.users?.includes(user.username)) return true;
  const groups = user.groups ?? [];
  return rule.groups?.some((g) => groups.includes(g)) ?? false;
}

/** Whether a rule (of a subject it applies to) allows the request. */
export function allows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!matchesAny(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) {
    return rule.nonResourceURLs !== undefined && rule.nonResourceURLs.some((url) => urlMatches(url, a.path));
  }
  if (rule.nonResourceURLs !== undefined) return false;
  if (rule.namespaces !== undefined && (a.namespace === '' || !rule.namespaces.includes(a.namespace))) return false;
  if (!matchesAny(rule.apiGroups ?? [], a.apiGroup)) return false;
  if (!(rule.resources ?? []).some((r) => resourceMatches(r, a.resource, a.subresource))) return false;
  if (rule.resourceNames !== undefined && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

function matchesAny(values: readonly string[], wanted: string): boolean {
  return values.includes('*') || values.includes(wanted);
}

function resourceMatches(rule: string, resource: string, subresource: string): boolean {
  if (rule === '*') return true;
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  if (rule === combined) return true;
  return subresource !== '' && rule === `*/${subresource}`;
}

function urlMatches(rule: string, path: string): boolean {
  if (rule === '*') return true;
  if (rule.endsWith('*')) return path.startsWith(rule.slice(0, -1));
  return rule === path;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
