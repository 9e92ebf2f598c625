/**
 * Access control end to end, on real sockets with certificates made by openssl: the front
 * proxy's X-Remote-* headers are believed only through its client certificate; client
 * certificates, a token file and anonymous requests; a policy file enforced on the real
 * kubectl v1.33, `kubectl auth can-i` and `kubectl auth whoami`; bad input answered, never a crash.
 */
import { expect } from 'chai';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Widget } from '../../examples/demo/widget.resource.js';
import { KubectlSession } from './support/kubectl.js';
import { makeCa, makeClientCert, type TestClientCert } from './support/test-certificates.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';

const POLICY = `# who may do what (README "Access control")
rules:
  - users: [bob]
    verbs: [get, list, watch]
    apiGroups: [demo.example.com]
    resources: [widgets]
    namespaces: [default]
  - groups: [viewers]
    verbs: [get, list]
    apiGroups: [demo.example.com]
    resources: [widgets]
  - users: [carol]
    verbs: ['*']
    apiGroups: [demo.example.com]
    resources: [widgets]
    namespaces: [team-a]
`;

interface Answer {
  status: number;
  body: any;
}

describe('e2e: access control (front proxy, client certificates, tokens, policy file)', function () {
  this.timeout(120_000);
  let dir: string;
  let server: TestServer;
  let proxy: TestClientCert;
  let proxyNotAllowed: TestClientCert;
  let proxyOtherCa: TestClientCert;
  let alice: TestClientCert;
  let admin: KubectlSession;
  let bob: KubectlSession;
  let carol: KubectlSession;

  /** One HTTPS request, with a client certificate when given. */
  function call(path: string, o: { method?: string; cert?: TestClientCert; headers?: Record<string, string | string[]>; body?: unknown } = {}): Promise<Answer> {
    const url = new URL(path, server.url);
    const body = o.body === undefined ? undefined : JSON.stringify(o.body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: o.method ?? 'GET',
          ca: server.ca,
          cert: o.cert?.cert,
          key: o.cert?.key,
          agent: false,
          headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(o.headers ?? {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const whoami = async (o: Parameters<typeof call>[1] = {}): Promise<Answer> =>
    call('/apis/authentication.k8s.io/v1/selfsubjectreviews', { ...o, method: 'POST', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });

  before(async function () {
    this.timeout(600_000);
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-access-'));
    const clientCa = await makeCa(dir, 'client-ca');
    const proxyCa = await makeCa(dir, 'front-proxy-ca');
    const otherCa = await makeCa(dir, 'other-ca');
    proxy = await makeClientCert(dir, proxyCa, 'proxy', '/CN=front-proxy-client');
    proxyNotAllowed = await makeClientCert(dir, proxyCa, 'intruder', '/CN=intruder');
    proxyOtherCa = await makeClientCert(dir, otherCa, 'proxy-other', '/CN=front-proxy-client');
    alice = await makeClientCert(dir, clientCa, 'alice', '/CN=alice/O=dev/O=viewers');
    await writeFile(join(dir, 'tokens.csv'), 'bob-token,bob,uid-bob,"team,readers"\ncarol-token,carol,uid-carol\n');
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    server = await startTestServer((b) =>
      b
        .withResource(Widget)
        .withClientCaFile(clientCa.certFile)
        .withRequestHeader({ clientCaFile: proxyCa.certFile, allowedNames: ['front-proxy-client'] })
        .withTokenAuthFile(join(dir, 'tokens.csv'))
        .withAuthorizationPolicy(join(dir, 'policy.yaml')),
    );
    admin = await KubectlSession.create({ server: server.url, token: server.token, ca: server.ca, namespace: 'default' });
    bob = await KubectlSession.create({ server: server.url, token: 'bob-token', ca: server.ca, namespace: 'default' });
    carol = await KubectlSession.create({ server: server.url, token: 'carol-token', ca: server.ca, namespace: 'team-a' });
    const widget = (ns: string) => `apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: a\n  namespace: ${ns}\nspec:\n  color: green\n  replicas: 2\n`;
    await admin.ok(['apply', '-f', '-'], { input: widget('default') });
    await admin.ok(['apply', '-f', '-'], { input: widget('team-a') });
  });

  after(async () => {
    await Promise.all([admin?.dispose(), bob?.dispose(), carol?.dispose()]);
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('front proxy', () => {
    const identity = { 'X-Remote-User': 'dave', 'X-Remote-Group': ['viewers', 'ops'], 'X-Remote-Extra-Acme.com%2FProject': 'p1' };

    it('acts as the user its headers name, through its client certificate', async () => {
      const me = await whoami({ cert: proxy, headers: identity });
      expect(me.status).to.equal(201);
      expect(me.body.status.userInfo).to.deep.equal({
        username: 'dave',
        groups: ['viewers', 'ops', 'system:authenticated'],
        extra: { 'acme.com/project': ['p1'] },
      });
      // The policy lets the group viewers read widgets everywhere, and nothing more.
      expect((await call(WIDGETS, { cert: proxy, headers: identity })).status).to.equal(200);
      const del = await call(`${WIDGETS}/a`, { method: 'DELETE', cert: proxy, headers: identity });
      expect(del.status).to.equal(403);
      expect(del.body.message).to.equal(
        'widgets.demo.example.com "a" is forbidden: User "dave" cannot delete resource "widgets" in API group "demo.example.com" in the namespace "default"',
      );
    });

    it('ignores the headers without a client certificate: the request is anonymous', async () => {
      const res = await call(WIDGETS, { headers: identity });
      expect(res.status).to.equal(403);
      expect(res.body).to.deep.include({ kind: 'Status', reason: 'Forbidden', code: 403 });
      expect(res.body.message).to.equal(
        'widgets.demo.example.com is forbidden: User "system:anonymous" cannot list resource "widgets" in API group "demo.example.com" in the namespace "default"',
      );
      expect(res.body.details).to.deep.equal({ group: 'demo.example.com', kind: 'widgets' });
    });

    it('refuses the headers through a certificate of another CA, or with a common name not allowed', async () => {
      for (const cert of [proxyOtherCa, proxyNotAllowed]) {
        const res = await whoami({ cert, headers: identity });
        expect(res.status).to.equal(401);
        expect(res.body).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
        expect((await call(WIDGETS, { cert, headers: identity })).status).to.equal(401);
      }
    });

    it('takes the first user name of repeated headers, and every group of repeated group headers', async () => {
      const groups = Array.from({ length: 200 }, (_, i) => `g${i}`);
      const me = await whoami({ cert: proxy, headers: { 'X-Remote-User': ['first', 'second'], 'X-Remote-Group': groups } });
      expect(me.status).to.equal(201);
      expect(me.body.status.userInfo.username).to.equal('first');
      expect(me.body.status.userInfo.groups).to.deep.equal([...groups, 'system:authenticated']);
    });

    it('answers headers too large for the server with 431 and goes on serving', async () => {
      const res = await call(WIDGETS, { cert: proxy, headers: { 'X-Remote-User': 'x'.repeat(100_000) } }).catch((err: Error) => ({ status: -1, body: err.message }));
      expect(res.status).to.equal(431);
      expect((await whoami({ cert: proxy, headers: identity })).body.status.userInfo.username).to.equal('dave');
    });
  });

  describe('client certificates and tokens', () => {
    it('names the user by the certificate, and the front-proxy headers do not change that', async () => {
      const me = await whoami({ cert: alice, headers: { 'X-Remote-User': 'root', 'X-Remote-Group': 'system:masters' } });
      expect(me.status).to.equal(201);
      expect(me.body.status.userInfo).to.deep.equal({ username: 'alice', groups: ['dev', 'viewers', 'system:authenticated'] });
    });

    it('reads users, uids and groups from the token file; a token nobody issued is a 401, not anonymous', async () => {
      const me = await whoami({ headers: { Authorization: 'Bearer bob-token' } });
      expect(me.body.status.userInfo).to.deep.equal({ username: 'bob', uid: 'uid-bob', groups: ['team', 'readers', 'system:authenticated'] });
      const wrong = await call(WIDGETS, { headers: { Authorization: 'Bearer nobody' } });
      expect(wrong.status).to.equal(401);
      expect(wrong.body).to.deep.include({ kind: 'Status', reason: 'Unauthorized' });
    });

    it('keeps health open to anyone and discovery to authenticated users', async () => {
      expect((await call('/healthz')).status).to.equal(200);
      expect((await call('/readyz')).status).to.equal(200);
      const apis = await call('/apis');
      expect(apis.status).to.equal(403);
      expect(apis.body.message).to.equal('forbidden: User "system:anonymous" cannot get path "/apis"');
      expect((await call('/apis', { headers: { Authorization: 'Bearer carol-token' } })).status).to.equal(200);
    });
  });

  describe('kubectl through the policy file', () => {
    it('lets bob get but not delete, with the Kubernetes message', async () => {
      expect(await bob.ok(['get', 'widget', 'a', '-o', 'name'])).to.equal('widget.demo.example.com/a\n');
      const r = await bob.run(['delete', 'widget', 'a']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain(
        'Error from server (Forbidden): widgets.demo.example.com "a" is forbidden: User "bob" cannot delete resource "widgets" in API group "demo.example.com" in the namespace "default"',
      );
      expect(await admin.ok(['get', 'widget', 'a', '-o', 'name'])).to.equal('widget.demo.example.com/a\n');
    });

    it('answers kubectl auth can-i', async () => {
      expect((await bob.run(['auth', 'can-i', 'get', 'widgets'])).stdout.trim()).to.equal('yes');
      const no = await bob.run(['auth', 'can-i', 'delete', 'widgets']);
      expect(no.code).to.equal(1);
      expect(no.stdout.trim()).to.equal('no');
      expect((await bob.run(['auth', 'can-i', 'get', 'widgets', '-n', 'team-a'])).stdout.trim()).to.equal('no');
      expect((await carol.run(['auth', 'can-i', 'delete', 'widgets'])).stdout.trim()).to.equal('yes');
      expect((await admin.run(['auth', 'can-i', '*', '*'])).stdout.trim()).to.equal('yes');
      const list = await bob.ok(['auth', 'can-i', '--list']);
      expect(list).to.match(/^widgets\.demo\.example\.com\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
      expect(list).to.match(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    });

    it('answers kubectl auth whoami', async () => {
      const out = await bob.ok(['auth', 'whoami']);
      expect(out).to.match(/^Username\s+bob$/m);
      expect(out).to.match(/^UID\s+uid-bob$/m);
      expect(out).to.match(/^Groups\s+\[team readers system:authenticated\]$/m);
    });

    it('lets carol into her namespace only: no list across all namespaces', async () => {
      expect(await carol.ok(['get', 'widgets', '-o', 'name'])).to.equal('widget.demo.example.com/a\n');
      const all = await carol.run(['get', 'widgets', '--all-namespaces']);
      expect(all.code).to.equal(1);
      expect(all.stderr).to.contain(
        'widgets.demo.example.com is forbidden: User "carol" cannot list resource "widgets" in API group "demo.example.com" at the cluster scope',
      );
      const other = await carol.run(['get', 'widgets', '-n', 'default']);
      expect(other.stderr).to.contain('User "carol" cannot list resource "widgets" in API group "demo.example.com" in the namespace "default"');
      const watch = await call('/apis/demo.example.com/v1/widgets?watch=true', { headers: { Authorization: 'Bearer carol-token' } });
      expect(watch.status).to.equal(403);
      expect(watch.body.message).to.contain('cannot watch resource "widgets" in API group "demo.example.com" at the cluster scope');
    });

    it('shows the self reviews in discovery as kube-apiserver does', async () => {
      const out = await bob.ok(['api-resources', '--api-group=authorization.k8s.io']);
      expect(out).to.match(/^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview$/m);
      expect(out).to.match(/^selfsubjectrulesreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectRulesReview$/m);
    });
  });
});
