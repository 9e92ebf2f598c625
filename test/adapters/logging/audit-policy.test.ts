/**
 * The audit policy as kube-apiserver evaluates it: first matching rule wins, each field of a
 * rule narrows it, resources by group/resource/subresource/name, namespaces, non-resource URLs
 * with prefixes, omitStages of the policy and the rule together; and the checks of a policy file.
 */
import { expect } from 'chai';
import { AuditPolicyChecker, parseAuditPolicy, type AuditPolicy } from '../../../src/adapters/logging/audit/audit-policy.js';
import type { RequestAttributes } from '../../../src/ports/authorizer.port.js';

const alice = { username: 'alice', groups: ['devs', 'system:authenticated'] };
const bob = { username: 'bob', groups: ['ops', 'system:authenticated'] };

function res(over: Partial<RequestAttributes> = {}): RequestAttributes {
  return {
    user: alice,
    verb: 'get',
    resourceRequest: true,
    path: '/apis/demo.example.com/v1/namespaces/default/widgets/a',
    apiGroup: 'demo.example.com',
    apiVersion: 'v1',
    resource: 'widgets',
    subresource: '',
    namespace: 'default',
    name: 'a',
    ...over,
  };
}

function path(p: string, over: Partial<RequestAttributes> = {}): RequestAttributes {
  return { ...res(), resourceRequest: false, path: p, apiGroup: '', apiVersion: '', resource: '', namespace: '', name: '', ...over };
}

const level = (policy: AuditPolicy, a: RequestAttributes): string => new AuditPolicyChecker(policy).evaluate(a).level;

describe('audit policy: evaluation', () => {
  it('takes the first matching rule; no match is None', () => {
    const policy: AuditPolicy = {
      rules: [
        { level: 'None', users: ['bob'] },
        { level: 'RequestResponse', verbs: ['create'] },
        { level: 'Metadata', userGroups: ['devs'] },
      ],
    };
    expect(level(policy, res({ user: bob, verb: 'create' }))).to.equal('None');
    expect(level(policy, res({ verb: 'create' }))).to.equal('RequestResponse');
    expect(level(policy, res())).to.equal('Metadata');
    expect(level(policy, res({ user: { username: 'carol', groups: ['x'] } }))).to.equal('None');
    // The same rules in another order decide otherwise.
    expect(level({ rules: [policy.rules[2]!, policy.rules[0]!, policy.rules[1]!] }, res({ verb: 'create' }))).to.equal('Metadata');
  });

  it('matches users, userGroups and verbs, all of those given', () => {
    const policy: AuditPolicy = { rules: [{ level: 'Request', users: ['alice'], userGroups: ['ops'], verbs: ['get'] }] };
    expect(level(policy, res())).to.equal('None'); // alice is not in ops
    expect(level(policy, res({ user: { username: 'alice', groups: ['ops'] } }))).to.equal('Request');
    expect(level(policy, res({ user: { username: 'alice', groups: ['ops'] }, verb: 'list' }))).to.equal('None');
    // A request that failed authentication (no user) never matches a rule naming users or groups.
    expect(level({ rules: [{ level: 'Metadata', userGroups: ['system:unauthenticated'] }] }, res({ user: { username: '', groups: [] } }))).to.equal('None');
  });

  it('matches resources by group, resource, subresource and name', () => {
    const rule = (resources: AuditPolicy['rules'][number]['resources']): AuditPolicy => ({ rules: [{ level: 'Request', resources }] });
    const widgets = rule([{ group: 'demo.example.com', resources: ['widgets'] }]);
    expect(level(widgets, res())).to.equal('Request');
    expect(level(widgets, res({ subresource: 'status' }))).to.equal('None'); // the resource, not its subresources
    expect(level(widgets, res({ apiGroup: 'other.example.com' }))).to.equal('None');
    expect(level(widgets, path('/metrics'))).to.equal('None'); // resource rules never match paths
    expect(level(rule([{ group: 'demo.example.com' }]), res({ resource: 'gadgets', subresource: 'scale' }))).to.equal('Request');
    expect(level(rule([{ group: '', resources: ['pods'] }]), res({ apiGroup: '', resource: 'pods' }))).to.equal('Request');
    expect(level(rule([{ group: 'demo.example.com', resources: ['widgets/status'] }]), res({ subresource: 'status' }))).to.equal('Request');
    expect(level(rule([{ group: 'demo.example.com', resources: ['*/status'] }]), res({ resource: 'gadgets', subresource: 'status' }))).to.equal('Request');
    expect(level(rule([{ group: 'demo.example.com', resources: ['*/status'] }]), res())).to.equal('None');
    const all = rule([{ group: 'demo.example.com', resources: ['widgets/*'] }]);
    expect(level(all, res({ subresource: 'scale' }))).to.equal('Request');
    expect(level(all, res())).to.equal('Request');
    expect(level(all, res({ resource: 'gadgets', subresource: 'scale' }))).to.equal('None');
    const named = rule([{ group: 'demo.example.com', resources: ['widgets'], resourceNames: ['a'] }]);
    expect(level(named, res())).to.equal('Request');
    expect(level(named, res({ name: 'b' }))).to.equal('None');
    expect(level(named, res({ name: '', verb: 'list' }))).to.equal('None');
  });

  it('matches namespaces ("" for cluster-scoped objects and lists across namespaces), on resource requests only', () => {
    const policy: AuditPolicy = { rules: [{ level: 'Metadata', namespaces: ['default', ''] }] };
    expect(level(policy, res())).to.equal('Metadata');
    expect(level(policy, res({ namespace: 'kube-system' }))).to.equal('None');
    expect(level(policy, res({ namespace: '', verb: 'list', name: '' }))).to.equal('Metadata');
    expect(level(policy, path('/version'))).to.equal('None');
  });

  it('matches non-resource URLs exactly or by a trailing * prefix, on non-resource requests only', () => {
    const policy: AuditPolicy = { rules: [{ level: 'Metadata', nonResourceURLs: ['/healthz*', '/version'] }] };
    expect(level(policy, path('/healthz'))).to.equal('Metadata');
    expect(level(policy, path('/healthz/ping'))).to.equal('Metadata');
    expect(level(policy, path('/version'))).to.equal('Metadata');
    expect(level(policy, path('/version/x'))).to.equal('None');
    expect(level(policy, res({ path: '/healthz' }))).to.equal('None');
    expect(level({ rules: [{ level: 'Request', nonResourceURLs: ['*'] }] }, path('/anything'))).to.equal('Request');
  });

  it('omits the policy stages and the rule stages together; omitManagedFields from the rule, else the policy', () => {
    const checker = new AuditPolicyChecker({
      omitStages: ['RequestReceived'],
      omitManagedFields: true,
      rules: [
        { level: 'Request', verbs: ['watch'], omitStages: ['ResponseStarted'], omitManagedFields: false },
        { level: 'Metadata' },
      ],
    });
    const watch = checker.evaluate(res({ verb: 'watch' }));
    expect([...watch.omitStages].sort()).to.deep.equal(['RequestReceived', 'ResponseStarted']);
    expect(watch.omitManagedFields).to.equal(false);
    const get = checker.evaluate(res());
    expect(get.omitStages).to.deep.equal(['RequestReceived']);
    expect(get.omitManagedFields).to.equal(true);
  });
});

describe('audit policy: files', () => {
  it('reads an audit.k8s.io/v1 Policy in YAML', () => {
    const policy = parseAuditPolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services"]
  - level: Metadata
    nonResourceURLs: ["/healthz*"]
  - level: RequestResponse
`);
    expect(policy.rules).to.have.length(3);
    expect(policy.rules[0]!.resources).to.deep.equal([{ group: '', resources: ['endpoints', 'services'] }]);
    expect(policy.omitStages).to.deep.equal(['RequestReceived']);
  });

  it('names every problem of a bad policy', () => {
    const bad = (text: string): string => {
      try {
        parseAuditPolicy(text, 'p.yaml');
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]')).to.contain('apiVersion must be audit.k8s.io/v1');
    expect(bad('kind: Policy\nrules: []')).to.contain('at least one rule');
    expect(bad('rules: [{level: Everything}]')).to.contain('rules[0].level: must be one of None, Metadata, Request, RequestResponse');
    expect(bad('rules: [{level: None, userGroup: [a]}]')).to.contain('rules[0]: unknown field "userGroup"');
    expect(bad('rules: [{level: None, omitStages: [Started]}]')).to.contain('rules[0].omitStages: must be a list of RequestReceived');
    expect(bad('rules: [{level: None, nonResourceURLs: [/x], namespaces: [a]}]')).to.contain('not both');
    expect(bad('rules: [{level: None, nonResourceURLs: ["x*y"]}]')).to.contain('must start with "/"').and.to.contain('may only end in "*"');
    expect(bad('rules: [{level: None, resources: [{group: "", resourceNames: [a]}]}]')).to.contain('resourceNames needs at least one resource');
    expect(bad('rules: [{level: None, resources: [{group: "", resources: ["a*b"]}]}]')).to.contain('"a*b" is not a resource');
    expect(bad('rules: [: x')).to.contain('p.yaml: not YAML or JSON');
  });
});
