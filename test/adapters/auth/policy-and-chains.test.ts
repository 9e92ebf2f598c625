import { expect } from 'chai';
import { AuthenticatorChain } from '../../../src/adapters/auth/authenticator-chain.js';
import { AuthorizerChain } from '../../../src/adapters/auth/authorizer-chain.js';
import { BearerTokenAuthenticator } from '../../../src/adapters/auth/bearer-token-authenticator.js';
import { parsePolicy, PolicyAuthorizer } from '../../../src/adapters/auth/policy-authorizer.js';
import { parseTokenFile } from '../../../src/adapters/auth/token-file.js';
import type { Authenticator } from '../../../src/ports/authenticator.port.js';
import type { RequestAttributes } from '../../../src/ports/authorizer.port.js';

const user = (username: string, ...groups: string[]) => ({ username, groups });
function res(over: Partial<RequestAttributes>): RequestAttributes {
  return {
    user: user('bob', 'system:authenticated'),
    verb: 'get',
    resourceRequest: true,
    path: '',
    apiGroup: 'demo.example.com',
    apiVersion: 'v1',
    resource: 'widgets',
    subresource: '',
    namespace: 'default',
    name: 'a',
    ...over,
  };
}
const nonRes = (path: string, verb = 'get', u = user('bob', 'system:authenticated')): RequestAttributes => ({
  ...res({}),
  user: u,
  verb,
  resourceRequest: false,
  path,
  apiGroup: '',
  apiVersion: '',
  resource: '',
  namespace: '',
  name: '',
});

describe('auth: policy file', () => {
  const policy = new PolicyAuthorizer(
    parsePolicy(`
rules:
  - users: [bob]
    verbs: [get, list]
    apiGroups: [demo.example.com]
    resources: [widgets, widgets/status]
    namespaces: [default]
  - groups: [ops]
    verbs: ['*']
    apiGroups: ['*']
    resources: ['*/scale']
  - users: [bob]
    verbs: [update]
    apiGroups: [demo.example.com]
    resources: [widgets]
    resourceNames: [a]
  - groups: [metrics]
    verbs: [get]
    nonResourceURLs: [/metrics, /debug/*]
`),
  );
  const decide = async (a: RequestAttributes) => (await policy.authorize(a)).decision;

  it('allows what a rule of the user or one of their groups allows, and has no opinion on the rest', async () => {
    expect(await decide(res({}))).to.equal('allow');
    expect(await decide(res({ verb: 'list', name: '' }))).to.equal('allow');
    expect(await decide(res({ subresource: 'status' }))).to.equal('allow');
    expect(await decide(res({ verb: 'delete' }))).to.equal('no-opinion');
    expect(await decide(res({ namespace: 'other' }))).to.equal('no-opinion');
    expect(await decide(res({ subresource: 'scale' }))).to.equal('no-opinion');
    expect(await decide(res({ user: user('carol', 'ops'), subresource: 'scale', verb: 'update' }))).to.equal('allow');
    expect(await decide(res({ user: user('carol', 'ops') }))).to.equal('no-opinion');
    expect(await decide(res({ user: user('alice') }))).to.equal('no-opinion');
  });

  it('holds a namespaced rule inside its namespaces only: never across all of them', async () => {
    expect(await decide(res({ verb: 'list', name: '', namespace: '' }))).to.equal('no-opinion');
  });

  it('matches resource names and non-resource URLs', async () => {
    expect(await decide(res({ verb: 'update', namespace: 'x' }))).to.equal('allow');
    expect(await decide(res({ verb: 'update', name: 'b' }))).to.equal('no-opinion');
    expect(await decide(res({ verb: 'update', name: '' }))).to.equal('no-opinion');
    const metrics = user('m', 'metrics');
    expect(await decide(nonRes('/metrics', 'get', metrics))).to.equal('allow');
    expect(await decide(nonRes('/debug/pprof/heap', 'get', metrics))).to.equal('allow');
    expect(await decide(nonRes('/metrics', 'post', metrics))).to.equal('no-opinion');
    expect(await decide(nonRes('/metricsx', 'get', metrics))).to.equal('no-opinion');
  });

  it('lists the rules of a user in a namespace', async () => {
    expect(await policy.rulesFor(user('bob'), 'default')).to.deep.equal({
      resourceRules: [
        { verbs: ['get', 'list'], apiGroups: ['demo.example.com'], resources: ['widgets', 'widgets/status'], resourceNames: [] },
        { verbs: ['update'], apiGroups: ['demo.example.com'], resources: ['widgets'], resourceNames: ['a'] },
      ],
      nonResourceRules: [],
      incomplete: false,
    });
    expect((await policy.rulesFor(user('bob'), 'other')).resourceRules).to.have.length(1);
  });

  it('refuses a policy it cannot read, naming every problem', () => {
    expect(() => parsePolicy('rules: [')).to.throw(/^policy: not YAML or JSON/);
    expect(() => parsePolicy('{"rule": []}')).to.throw('policy: unknown field "rule"');
    expect(() =>
      parsePolicy(
        JSON.stringify({
          rules: [
            { users: ['a'], verbs: ['get'], resources: ['x'] },
            { verbs: ['get'], apiGroups: [''], resources: ['x'] },
            { users: ['a'], verbs: [], nonResourceURLs: ['metrics'], apiGroups: [''] },
            { users: ['a'], verbs: ['get'], nonResourceURLs: ['/a*b'], namespaces: ['x'] },
            { users: 'a', verbs: ['get'], apiGroups: [''], resources: ['x'], extra: 1 },
          ],
        }),
      ),
    ).to.throw(
      'policy: rules[0].apiGroups: at least one group is required ("" is the core group, "*" any); ' +
        'rules[1]: name at least one of "users" and "groups"; ' +
        'rules[2].verbs: at least one verb is required; ' +
        'rules[2]: a rule is about resources (apiGroups, resources) or about nonResourceURLs, not both; ' +
        'rules[3]: namespaces and resourceNames do not apply to nonResourceURLs; ' +
        'rules[3].nonResourceURLs: "/a*b" may only end in "*"; ' +
        'rules[4]: unknown field "extra"; rules[4].users: must be a list of strings; rules[4]: name at least one of "users" and "groups"',
    );
  });
});

describe('auth: authorizer chain', () => {
  const denyAll = { authorize: async () => ({ decision: 'deny' as const, reason: 'denied by a test' }) };
  const noOpinion = (reason: string) => ({ authorize: async () => ({ decision: 'no-opinion' as const, reason }) });

  it('allows the always-allowed paths and groups and the bootstrap rules before any authorizer', async () => {
    const chain = new AuthorizerChain([denyAll]);
    expect((await chain.authorize(nonRes('/healthz', 'get', user('system:anonymous', 'system:unauthenticated')))).decision).to.equal('allow');
    expect((await chain.authorize(nonRes('/version', 'get', user('system:anonymous', 'system:unauthenticated')))).decision).to.equal('allow');
    expect((await chain.authorize(nonRes('/apis', 'get', user('system:anonymous', 'system:unauthenticated')))).decision).to.equal('deny');
    expect((await chain.authorize(nonRes('/apis/demo.example.com/v1')))).to.deep.equal({ decision: 'allow' });
    expect((await chain.authorize(res({ user: user('root', 'system:masters'), verb: 'delete' }))).decision).to.equal('allow');
    const review = res({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', namespace: '', name: '' });
    expect((await chain.authorize(review)).decision).to.equal('allow');
    expect(await chain.authorize(res({}))).to.deep.equal({ decision: 'deny', reason: 'denied by a test' });
  });

  it('asks authorizers in order; with no opinion from all, joins their reasons', async () => {
    const chain = new AuthorizerChain([noOpinion('first'), noOpinion(''), noOpinion('second')], {
      alwaysAllowPaths: ['/custom/*'],
      alwaysAllowGroups: [],
      bootstrapRules: false,
    });
    expect(await chain.authorize(res({}))).to.deep.equal({ decision: 'no-opinion', reason: 'first\nsecond' });
    expect((await chain.authorize(nonRes('/custom/x'))).decision).to.equal('allow');
    expect((await chain.authorize(nonRes('/healthz'))).decision).to.equal('no-opinion');
    expect((await chain.authorize(res({ user: user('root', 'system:masters') }))).decision).to.equal('no-opinion');
    expect((await chain.rulesFor(user('bob'), 'default')).incomplete).to.equal(true);
  });
});

describe('auth: authenticator chain', () => {
  const tokens = new BearerTokenAuthenticator({ tokens: [{ token: 'good', user: { username: 'bob', groups: ['team'] } }] });
  const failing: Authenticator = {
    authenticate: async () => {
      throw new Error('backend down');
    },
  };
  const named = (username: string): Authenticator => ({ authenticate: async () => ({ user: { username } }) });

  it('takes the first user, adding system:authenticated', async () => {
    const chain = new AuthenticatorChain([tokens, named('later')], { anonymous: false });
    expect(await chain.authenticate({ headers: { authorization: 'Bearer good' } })).to.deep.equal({
      user: { username: 'bob', groups: ['team', 'system:authenticated'] },
    });
    expect(await chain.authenticate({ headers: {} })).to.deep.equal({ user: { username: 'later', groups: ['system:authenticated'] } });
  });

  it('goes on after an error, and refuses when nobody names a user and somebody failed', async () => {
    const failures: string[] = [];
    const chain = new AuthenticatorChain([failing, tokens], { anonymous: true, onFailure: (r) => failures.push(r) });
    expect((await chain.authenticate({ headers: { authorization: 'Bearer good' } }))?.user?.username).to.equal('bob');
    expect(await chain.authenticate({ headers: { authorization: 'Bearer bad' } })).to.deep.equal({
      error: 'an authenticator failed: backend down; invalid bearer token',
    });
    expect(failures).to.have.length(1);
  });

  it('makes requests without credentials anonymous only when allowed', async () => {
    const anon = new AuthenticatorChain([tokens], { anonymous: true });
    expect(await anon.authenticate({ headers: {} })).to.deep.equal({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
    expect(await anon.authenticate({ headers: { authorization: 'Bearer bad' } })).to.deep.equal({ error: 'invalid bearer token' });
    expect(await new AuthenticatorChain([tokens], { anonymous: false }).authenticate({ headers: {} })).to.equal(undefined);
  });
});

describe('auth: static token file', () => {
  it('reads token,user,uid,"groups" lines; the last line of a token wins; empty tokens are skipped', () => {
    const entries = parseTokenFile('t1,alice,u1,"a,b"\n\nt2,bob,u2\r\n,skipped,u3\nt1,again,u4,\n"t""3",q,u5,g\n');
    expect(entries).to.deep.equal([
      { token: 't2', user: { username: 'bob', uid: 'u2', groups: [] } },
      { token: 't1', user: { username: 'again', uid: 'u4', groups: [] } },
      { token: 't"3', user: { username: 'q', uid: 'u5', groups: ['g'] } },
    ]);
  });

  it('refuses lines it cannot read, with their number', () => {
    expect(() => parseTokenFile('t1,alice\n', 'tokens.csv')).to.throw('tokens.csv line 1: needs at least 3 columns (token, user name, user uid), found 2');
    expect(() => parseTokenFile('ok,a,1\n"t1,alice,u1\n', 'tokens.csv')).to.throw('tokens.csv line 2: a quoted field is not closed');
    expect(() => parseTokenFile('t 1,alice,u1\n', 'tokens.csv')).to.throw('tokens.csv line 1: a token must not contain white space');
    expect(() => parseTokenFile('t1,,u1\n', 'tokens.csv')).to.throw('tokens.csv line 1: the user name is empty');
  });
});
