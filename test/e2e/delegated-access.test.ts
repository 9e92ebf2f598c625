/**
 * Delegated access control end to end, on real sockets: a second kit server plays the main API
 * server (TokenReview, SubjectAccessReview and the kube-system/extension-apiserver-authentication
 * ConfigMap, as handler resources in the real wire format); the extension server delegates to it,
 * keeps its answers for the TTL, follows a change of the front-proxy CA in the ConfigMap, and
 * fails closed within its timeout when the main server hangs or answers garbage.
 */
import { expect } from 'chai';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { Widget } from '../../examples/demo/widget.resource.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import { writeKubeconfigFile } from '../../src/app/kubeconfig.js';
import { makeCa, makeClientCert, type TestCa, type TestClientCert } from './support/test-certificates.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const TokenReview = defineResource({
  group: 'authentication.k8s.io', version: 'v1', kind: 'TokenReview', plural: 'tokenreviews', scope: 'Cluster',
  spec: z.looseObject({ token: z.string().optional() }), status: z.looseObject({}),
});
const SubjectAccessReview = defineResource({
  group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', scope: 'Cluster',
  spec: z.looseObject({}), status: z.looseObject({}),
});
const ConfigMap = defineResource({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', scope: 'Namespaced' });

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';
type Mode = 'normal' | 'hang' | 'garbage';

describe('e2e: delegated authentication and authorization to a main API server', function () {
  this.timeout(120_000);
  let dir: string;
  let main: TestServer;
  let ext: TestServer;
  let proxyCa: TestCa;
  let proxyCa2: TestCa;
  let proxy: TestClientCert;
  let proxy2: TestClientCert;
  let mode: Mode = 'normal';
  let requestHeaderCa = '';
  let allowedNames = '["front-proxy-client"]';
  const calls = { tokenReviews: 0, accessReviews: 0, configMaps: 0 };
  const seen: any[] = [];

  function call(path: string, o: { token?: string; cert?: TestClientCert; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      if (o.token) headers.Authorization = `Bearer ${o.token}`;
      const req = httpsRequest(new URL(path, ext.url), { ca: ext.ca, cert: o.cert?.cert, key: o.cert?.key, agent: false, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - started });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  const hangOrGarbage = async (): Promise<any> => {
    if (mode === 'hang') await new Promise((r) => setTimeout(r, 3_000));
    if (mode === 'garbage') return { spec: {}, status: 'not a status' };
    return undefined;
  };

  before(async function () {
    this.timeout(300_000);
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-delegated-'));
    proxyCa = await makeCa(dir, 'front-proxy-ca');
    proxyCa2 = await makeCa(dir, 'front-proxy-ca-2');
    proxy = await makeClientCert(dir, proxyCa, 'proxy', '/CN=front-proxy-client');
    proxy2 = await makeClientCert(dir, proxyCa2, 'proxy2', '/CN=front-proxy-client');
    requestHeaderCa = proxyCa.cert;
    main = await startTestServer(
      (b) =>
        b
          .withReviewResource(TokenReview, async (_ctx, review: any) => {
            calls.tokenReviews++;
            const odd = await hangOrGarbage();
            if (odd) return odd;
            const token = review.spec?.token;
            if (token === 'alice-token') return { ...review, status: { authenticated: true, user: { username: 'alice', uid: 'u-1', groups: ['dev'], extra: { scopes: ['a'] } } } };
            return { ...review, status: { authenticated: false, error: 'unknown token' } };
          })
          .withReviewResource(SubjectAccessReview, async (_ctx, review: any) => {
            calls.accessReviews++;
            seen.push(review.spec);
            const odd = await hangOrGarbage();
            if (odd) return odd;
            const a = review.spec?.resourceAttributes;
            const allowed = review.spec?.user === 'alice' && a?.verb === 'list' && a?.resource === 'widgets';
            return { ...review, status: allowed ? { allowed: true } : { allowed: false, reason: 'no RBAC rule allows it' } };
          })
          .withResourceAndHandler(ConfigMap, {
            get: (_ctx, namespace, name) => {
              calls.configMaps++;
              if (namespace !== 'kube-system' || name !== 'extension-apiserver-authentication') return undefined;
              return {
                apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace },
                data: {
                  'requestheader-client-ca-file': requestHeaderCa,
                  'requestheader-allowed-names': allowedNames,
                  'requestheader-username-headers': '["X-Remote-User"]',
                  'requestheader-group-headers': '["X-Remote-Group"]',
                  'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
                },
              } as any;
            },
          }),
      'main-token',
    );
    const kubeconfig = join(dir, 'main.kubeconfig');
    await writeKubeconfigFile(kubeconfig, { server: main.url, caPem: main.ca, token: main.token });
    ext = await startTestServer((b) =>
      b
        .withResource(Widget)
        .withDelegatedAuthentication({ kubeconfig, cacheTtlSeconds: 1, timeoutSeconds: 1, lookupRefreshSeconds: 0.3 })
        .withDelegatedAuthorization({ kubeconfig, allowedTtlSeconds: 1, deniedTtlSeconds: 1, timeoutSeconds: 1 }),
    );
  });

  after(async () => {
    await ext?.stop();
    await main?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('authenticates a token by TokenReview and authorizes by SubjectAccessReview, each answer kept for the TTL', async () => {
    const before = { ...calls };
    const first = await call(WIDGETS, { token: 'alice-token' });
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    for (let i = 0; i < 3; i++) expect((await call(WIDGETS, { token: 'alice-token' })).status).to.equal(200);
    expect(calls.tokenReviews - before.tokenReviews).to.equal(1);
    expect(calls.accessReviews - before.accessReviews).to.equal(1);
    const spec = seen.at(-1);
    expect(spec).to.deep.include({ user: 'alice', uid: 'u-1' });
    expect(spec.groups).to.include.members(['dev', 'system:authenticated']);
    expect(spec.extra).to.deep.equal({ scopes: ['a'] });
    expect(spec.resourceAttributes).to.deep.include({ verb: 'list', group: 'demo.example.com', version: 'v1', resource: 'widgets', namespace: 'default' });
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await call(WIDGETS, { token: 'alice-token' })).status).to.equal(200);
    expect(calls.tokenReviews - before.tokenReviews).to.equal(2);
    expect(calls.accessReviews - before.accessReviews).to.equal(2);
  });

  it('refuses an unknown token with 401 (the refusal kept too) and a denied verb with 403 in Kubernetes words', async () => {
    const before = calls.tokenReviews;
    expect((await call(WIDGETS, { token: 'nobody' })).status).to.equal(401);
    expect((await call(WIDGETS, { token: 'nobody' })).status).to.equal(401);
    expect(calls.tokenReviews - before).to.equal(1);
    const denied = await call(`${WIDGETS}/a`, { token: 'alice-token' });
    expect(denied.status).to.equal(403);
    expect(denied.body.reason).to.equal('Forbidden');
    expect(denied.body.message).to.equal(
      'widgets.demo.example.com "a" is forbidden: User "alice" cannot get resource "widgets" in API group "demo.example.com" in the namespace "default": no RBAC rule allows it',
    );
    expect((await call('/healthz')).status).to.equal(200);
  });

  it('trusts the front proxy the ConfigMap names, and follows a change of its CA without restart', async () => {
    const asBob = { 'X-Remote-User': 'bob', 'X-Remote-Group': 'system:masters' };
    expect((await call(WIDGETS, { cert: proxy, headers: asBob })).status).to.equal(200);
    expect((await call(WIDGETS, { cert: proxy2, headers: asBob })).status).to.equal(401);
    expect((await call(WIDGETS, { headers: asBob })).status).to.equal(403); // anonymous: headers ignored
    requestHeaderCa = proxyCa2.cert;
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await call(WIDGETS, { cert: proxy2, headers: asBob })).status;
    }
    expect(status).to.equal(200);
    expect((await call(WIDGETS, { cert: proxy, headers: asBob })).status).to.equal(401);
    requestHeaderCa = proxyCa.cert;
  });

  it('keeps the last good settings when the ConfigMap stops parsing', async () => {
    const asBob = { 'X-Remote-User': 'bob', 'X-Remote-Group': 'system:masters' };
    // The previous test put the first CA back: wait until it is in effect again.
    for (let i = 0; i < 50 && (await call(WIDGETS, { cert: proxy, headers: asBob })).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const reads = calls.configMaps;
    allowedNames = 'front-proxy-client'; // not a JSON list
    requestHeaderCa = proxyCa2.cert;
    try {
      while (calls.configMaps < reads + 3) await new Promise((r) => setTimeout(r, 100));
      expect((await call(WIDGETS, { cert: proxy, headers: asBob })).status).to.equal(200);
      expect((await call(WIDGETS, { cert: proxy2, headers: asBob })).status).to.equal(401);
    } finally {
      allowedNames = '["front-proxy-client"]';
      requestHeaderCa = proxyCa.cert;
    }
  });

  for (const m of ['hang', 'garbage'] as const) {
    it(`fails closed within the timeout when the main server ${m === 'hang' ? 'hangs' : 'answers garbage'}: 401 for a token, 500 for authorization`, async () => {
      await new Promise((r) => setTimeout(r, 1_100)); // let cached answers expire
      mode = m;
      try {
        const authn = await call(WIDGETS, { token: `fresh-${m}` });
        expect(authn.status).to.equal(401);
        expect(authn.ms).to.be.below(2_500);
        const authz = await call(WIDGETS, { cert: proxy, headers: { 'X-Remote-User': `carol-${m}` } });
        expect(authz.status).to.equal(500);
        expect(authz.body.kind).to.equal('Status');
        expect(authz.ms).to.be.below(2_500);
      } finally {
        mode = 'normal';
      }
      expect((await call('/healthz')).status).to.equal(200);
    });
  }
});
