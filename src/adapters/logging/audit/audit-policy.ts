import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RequestAttributes } from '../../../ports/authorizer.port.js';
import {
  AUDIT_LEVELS,
  AUDIT_STAGES,
  type AuditDecision,
  type AuditLevel,
  type AuditPolicyEvaluator,
  type AuditStage,
} from '../../../ports/audit.port.js';

/** The resources of one API group a rule is about (audit.k8s.io/v1 GroupResources). */
export interface AuditGroupResources {
  /** The API group; `""` is the core group. */
  group?: string;
  /**
   * Resources of the group; none: all of them. `widgets` matches the resource only (not its
   * subresources), `widgets/status` that subresource, `widgets/*` the resource's subresources,
   * `*` everything, `*` + `/status` the status subresource of any resource.
   */
  resources?: string[];
  /** Object names; none: any. */
  resourceNames?: string[];
}

/** One rule of an audit policy (audit.k8s.io/v1 PolicyRule). Every field set must match. */
export interface AuditPolicyRule {
  level: AuditLevel;
  /** User names; none: anyone. */
  users?: string[];
  /** Groups, any of which the user must be in; none: any. */
  userGroups?: string[];
  /** Verbs (get, list, watch, create, update, patch, delete, deletecollection; a non-resource request's lower-case method); none: any. */
  verbs?: string[];
  /** Resource requests only: the resources matched; none: any. */
  resources?: AuditGroupResources[];
  /** Resource requests only: namespaces (`""` for cluster-scoped objects); none: any. */
  namespaces?: string[];
  /** Non-resource requests only: paths, a trailing `*` a prefix; none: any. */
  nonResourceURLs?: string[];
  /** Stages not written for this rule, on top of the policy's. */
  omitStages?: AuditStage[];
  /** Overrides the policy's omitManagedFields. */
  omitManagedFields?: boolean;
}

/** An audit.k8s.io/v1 Policy. */
export interface AuditPolicy {
  apiVersion?: 'audit.k8s.io/v1';
  kind?: 'Policy';
  rules: AuditPolicyRule[];
  /** Stages never written. */
  omitStages?: AuditStage[];
  /** Leave managedFields out of request and response objects. Default false. */
  omitManagedFields?: boolean;
}

const POLICY_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'rules', 'omitStages', 'omitManagedFields']);
const RULE_FIELDS = new Set(['level', 'users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs', 'omitStages', 'omitManagedFields']);
const GROUP_FIELDS = new Set(['group', 'resources', 'resourceNames']);

/** Reads `--audit-policy-file` (YAML or JSON). */
export function readAuditPolicyFile(path: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`audit policy file ${path}: ${(err as Error).message}`);
  }
  return parseAuditPolicy(text, `audit policy file ${path}`);
}

/** Parses and checks an audit policy; every problem is named with its place. */
export function parseAuditPolicy(text: string, source = 'audit policy'): AuditPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not YAML or JSON: ${(err as Error).message}`);
  }
  return checkAuditPolicy(doc, source);
}

/** Checks an audit policy given as an object, as kube-apiserver validates one. */
export function checkAuditPolicy(doc: unknown, source = 'audit policy'): AuditPolicy {
  if (!isObject(doc)) throw new Error(`${source}: must be an audit.k8s.io/v1 Policy object`);
  const problems: string[] = [];
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'audit.k8s.io/v1') problems.push(`apiVersion must be audit.k8s.io/v1, got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== undefined && doc.kind !== 'Policy') problems.push(`kind must be Policy, got ${JSON.stringify(doc.kind)}`);
  for (const key of Object.keys(doc)) if (!POLICY_FIELDS.has(key)) problems.push(`unknown field "${key}"`);
  const policy: AuditPolicy = { rules: [] };
  const stages = (at: string, v: unknown): AuditStage[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => !AUDIT_STAGES.includes(s as AuditStage))) {
      problems.push(`${at}: must be a list of ${AUDIT_STAGES.join(', ')}`);
      return undefined;
    }
    return v as AuditStage[];
  };
  const bool = (at: string, v: unknown): boolean | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') problems.push(`${at}: must be true or false`);
    return v === true;
  };
  const omit = stages('omitStages', doc.omitStages);
  if (omit) policy.omitStages = omit;
  const managed = bool('omitManagedFields', doc.omitManagedFields);
  if (managed !== undefined) policy.omitManagedFields = managed;
  if (!Array.isArray(doc.rules)) problems.push('"rules" must be a list');
  else if (doc.rules.length === 0) problems.push('"rules" must hold at least one rule (with none, nothing is audited)');
  else {
    doc.rules.forEach((raw: unknown, i: number) => {
      const at = `rules[${i}]`;
      if (!isObject(raw)) {
        problems.push(`${at}: must be an object`);
        return;
      }
      for (const key of Object.keys(raw)) if (!RULE_FIELDS.has(key)) problems.push(`${at}: unknown field "${key}"`);
      const list = (field: string, v: unknown): string[] | undefined => {
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
          problems.push(`${at}.${field}: must be a list of strings`);
          return undefined;
        }
        return v as string[];
      };
      if (!AUDIT_LEVELS.includes(raw.level as AuditLevel)) {
        problems.push(`${at}.level: must be one of ${AUDIT_LEVELS.join(', ')}, got ${JSON.stringify(raw.level)}`);
      }
      const rule: AuditPolicyRule = { level: raw.level as AuditLevel };
      for (const field of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs'] as const) {
        const v = list(field, raw[field]);
        if (v !== undefined) rule[field] = v;
      }
      if (raw.resources !== undefined && raw.resources !== null) {
        if (!Array.isArray(raw.resources)) problems.push(`${at}.resources: must be a list of {group, resources, resourceNames}`);
        else {
          rule.resources = raw.resources.map((g: unknown, j: number): AuditGroupResources => {
            const gat = `${at}.resources[${j}]`;
            if (!isObject(g)) {
              problems.push(`${gat}: must be an object`);
              return {};
            }
            for (const key of Object.keys(g)) if (!GROUP_FIELDS.has(key)) problems.push(`${gat}: unknown field "${key}"`);
            if (g.group !== undefined && g.group !== null && typeof g.group !== 'string') problems.push(`${gat}.group: must be a string`);
            const out: AuditGroupResources = { group: typeof g.group === 'string' ? g.group : '' };
            const resources = list(`resources[${j}].resources`, g.resources);
            const names = list(`resources[${j}].resourceNames`, g.resourceNames);
            if (resources) out.resources = resources;
            if (names) out.resourceNames = names;
            if (names?.length && !resources?.length) problems.push(`${gat}: resourceNames needs at least one resource`);
            for (const r of resources ?? []) {
              if (r === '' || r.split('/').length > 2 || (r.includes('*') && r !== '*' && !r.startsWith('*/') && !r.endsWith('/*'))) {
                problems.push(`${gat}.resources: "${r}" is not a resource, resource/subresource, "*", "*/subresource" or "resource/*"`);
              }
            }
            return out;
          });
        }
      }
      if (rule.nonResourceURLs?.length && (rule.resources?.length || rule.namespaces?.length)) {
        problems.push(`${at}: a rule is about resources (resources, namespaces) or about nonResourceURLs, not both`);
      }
      for (const url of rule.nonResourceURLs ?? []) {
        if (!url.startsWith('/') && url !== '*') problems.push(`${at}.nonResourceURLs: "${url}" must start with "/"`);
        if (url.includes('*') && url.indexOf('*') !== url.length - 1) problems.push(`${at}.nonResourceURLs: "${url}" may only end in "*"`);
      }
      const ruleStages = stages(`${at}.omitStages`, raw.omitStages);
      if (ruleStages) rule.omitStages = ruleStages;
      const ruleManaged = bool(`${at}.omitManagedFields`, raw.omitManagedFields);
      if (ruleManaged !== undefined) rule.omitManagedFields = ruleManaged;
      policy.rules.push(rule);
    });
  }
  if (problems.length > 0) throw new Error(`${source}: ${problems.join('; ')}`);
  return policy;
}

const NONE: AuditDecision = { level: 'None', omitStages: [], omitManagedFields: false };

/**
 * The audit level of a request: the first rule that matches it decides, as in kube-apiserver;
 * no matching rule means None. The stages omitted are the policy's and the rule's together.
 */
export class AuditPolicyChecker implements AuditPolicyEvaluator {
  readonly policy: AuditPolicy;
  private readonly decisions: AuditDecision[];

  constructor(policy: AuditPolicy) {
    this.policy = checkAuditPolicy(policy);
    const base = this.policy.omitStages ?? [];
    this.decisions = this.policy.rules.map((r) => ({
      level: r.level,
      omitStages: [...new Set([...base, ...(r.omitStages ?? [])])],
      omitManagedFields: r.omitManagedFields ?? this.policy.omitManagedFields ?? false,
    }));
  }

  evaluate(a: RequestAttributes): AuditDecision {
    const rules = this.policy.rules;
    for (let i = 0; i < rules.length; i++) {
      if (ruleMatches(rules[i]!, a)) return this.decisions[i]!;
    }
    return NONE;
  }
}

function ruleMatches(r: AuditPolicyRule, a: RequestAttributes): boolean {
  if (r.users?.length && !r.users.includes(a.user.username)) return false;
  if (r.userGroups?.length && !(a.user.groups ?? []).some((g) => r.userGroups!.includes(g))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return matchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.resourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path, spec));
  return true;
}

function matchesResource(r: AuditPolicyRule, a: RequestAttributes): boolean {
  if (!a.resourceRequest) return false;
  // Cluster-scoped objects (and lists across namespaces) have the namespace "".
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace)) return false;
  if (!r.resources?.length) return true;
  const combined = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== a.apiGroup) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name)) continue;
    for (const res of gr.resources) {
      if (res === '*' || res === combined) return true;
      if (a.subresource !== '' && res.startsWith('*/') && res.slice(2) === a.subresource) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === a.resource) return true;
    }
  }
  return false;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.slice(0, -1));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
