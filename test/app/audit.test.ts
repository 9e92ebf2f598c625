/**
 * The audit log on real servers on 127.0.0.1 with real files: per-level content of create,
 * patch, delete and watch, a request the policy file denies and one that fails authentication,
 * a Panic, the rule order, omitStages, the Audit-Id, rotation, and that no token reaches any log.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import type { AuditEvent } from '../../src/ports/audit.port.js';

const Gizmo = defineResource({
  group: 'audit.example.com',
  version: 'v1',
  kind: 'Gizmo',
  plural: 'gizmos',
  scope: 'Namespaced',
  spec: z.object({ size: z.number().optional(), note: z.string().optional() }),
});
const Broken = defineResource({
  group: 'audit.example.com',
  version: 'v1',
  kind: 'Broken',
  plural: 'brokens',
  scope: 'Namespaced',
  spec: z.object({}),
});
const brokenHandler = {
  async get(): Promise<KubeObject> {
    throw new Error('the handler broke');
  },
};

const gizmos = (ns: string): string => `/apis/audit.example.com/v1/namespaces/${ns}/gizmos`;
const gizmo = (ns: string, name: string, spec: Record<string, unknown> = { size: 1 }): string =>
  JSON.stringify({ apiVersion: 'audit.example.com/v1', kind: 'Gizmo', metadata: { name }, spec });
const silent = { write: () => true };

const ALICE = 'alice-token-5b1e7c9d';
const BOB = 'bob-token-0f4a2e61';
const CAROL = 'carol-token-93d7b0aa';

/** Reads the audit log: every line one Event. */
function events(path: string): AuditEvent[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent);
}

/** A watch over node:http (its socket closes for sure when done: fetch's abort can leave it open). */
function openWatch(url: string, headers: Record<string, string> = {}): Promise<{ status: number; auditId: string; text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', () => undefined);
      resolve({ status: res.statusCode!, auditId: String(res.headers['audit-id']), text: () => text, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  # carol's requests are never audited, whatever comes next
  - level: None
    users: [carol]
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: Metadata
    namespaces: [meta]
  - level: Request
    namespaces: [req]
  - level: RequestResponse
    namespaces: [full]
    omitStages: [RequestReceived]
  - level: RequestResponse
    resources: [{group: audit.example.com, resources: [brokens]}]
  - level: Metadata
`;

const ACCESS_POLICY = `rules:
  - users: [alice, carol]
    verbs: ["*"]
    apiGroups: [audit.example.com]
    resources: ["*"]
  - users: [bob]
    verbs: [get, list, watch]
    apiGroups: [audit.example.com]
    resources: [gizmos]
  - users: [alice]
    verbs: [get]
    nonResourceURLs: [/metrics]
`;

describe('audit: events per level, denied and failed requests, rule order, omitStages', function () {
  this.timeout(45_000);
  let dir: string;
  let log: string;
  let server: ApiServer;
  let url: string;
  const requestLog: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-e2e-'));
    log = join(dir, 'audit', 'audit.log');
    writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    writeFileSync(join(dir, 'policy.yaml'), ACCESS_POLICY);
    writeFileSync(join(dir, 'tokens.csv'), `${ALICE},alice,u-1,"devs"\n${BOB},bob,u-2\n${CAROL},carol,u-3\n`);
    server = new ServerBuilder()
      .withResource(Gizmo)
      .withResourceAndHandler(Broken, brokenHandler as never)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter({ write: (t: string) => requestLog.push(t) })
      .withObservability({ verbosity: 3 })
      .withTokenAuthFile(join(dir, 'tokens.csv'))
      .withAuthorizationPolicy(join(dir, 'policy.yaml'))
      .withAuditPolicy(join(dir, 'audit-policy.yaml'))
      .withAuditLog(log)
      .build();
    url = (await server.start()).url;
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (path: string, token: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'User-Agent': 'audit-test/1.0', ...(init.headers as Record<string, string>) } });
  const json = { 'Content-Type': 'application/json' };
  const byId = (id: string | null): AuditEvent[] => events(log).filter((e) => e.auditID === id);

  /** create, merge patch, delete and a watch in namespace `ns`; the events of each by its Audit-Id. */
  async function sequence(ns: string): Promise<Record<'create' | 'patch' | 'delete' | 'watch', AuditEvent[]>> {
    const create = await call(gizmos(ns), ALICE, { method: 'POST', headers: json, body: gizmo(ns, 'g1') });
    expect(create.status).to.equal(201);
    const patch = await call(`${gizmos(ns)}/g1`, ALICE, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { size: 2 } }),
    });
    expect(patch.status).to.equal(200);
    const watch = await openWatch(`${url}${gizmos(ns)}?watch=true`, { Authorization: `Bearer ${ALICE}`, 'User-Agent': 'audit-test/1.0' });
    expect(watch.status).to.equal(200);
    await until(() => watch.text().includes('\n'));
    const del = await call(`${gizmos(ns)}/g1`, ALICE, { method: 'DELETE' });
    expect(del.status).to.equal(200);
    await until(() => watch.text().includes('DELETED'));
    watch.close();
    const watchId = watch.auditId;
    await until(() => byId(watchId).some((e) => e.stage === 'ResponseComplete'));
    return {
      create: byId(create.headers.get('audit-id')),
      patch: byId(patch.headers.get('audit-id')),
      delete: byId(del.headers.get('audit-id')),
      watch: byId(watchId),
    };
  }

  it('Metadata: who, what, when and the outcome; no bodies', async () => {
    const ev = await sequence('meta');
    expect(ev.create.map((e) => e.stage)).to.deep.equal(['RequestReceived', 'ResponseComplete']);
    const [received, done] = ev.create;
    for (const e of ev.create) {
      expect(e).to.include({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', verb: 'create', requestURI: gizmos('meta'), userAgent: 'audit-test/1.0' });
      expect(e.user).to.deep.equal({ username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] });
      expect(e.sourceIPs).to.deep.equal(['127.0.0.1']);
      expect(e.requestReceivedTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(e.stageTimestamp >= e.requestReceivedTimestamp).to.equal(true);
      expect(e).to.not.have.property('requestObject');
      expect(e).to.not.have.property('responseObject');
    }
    expect(received!.responseStatus).to.equal(undefined);
    expect(received!.annotations).to.equal(undefined);
    expect(received!.objectRef).to.deep.equal({ resource: 'gizmos', namespace: 'meta', apiGroup: 'audit.example.com', apiVersion: 'v1' });
    // The created object's name completes the reference, as kube-apiserver does.
    expect(done!.objectRef).to.deep.equal({ resource: 'gizmos', namespace: 'meta', name: 'g1', apiGroup: 'audit.example.com', apiVersion: 'v1' });
    expect(done!.responseStatus).to.deep.equal({ metadata: {}, code: 201 });
    expect(done!.annotations).to.deep.equal({ 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' });
    expect(ev.patch.map((e) => e.verb)).to.deep.equal(['patch', 'patch']);
    expect(ev.patch[1]!.objectRef!.name).to.equal('g1');
    expect(ev.delete[1]!.responseStatus!.code).to.equal(200);
    // A watch: received, started when its headers went out, complete when it ended.
    expect(ev.watch.map((e) => e.stage)).to.deep.equal(['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
    expect(ev.watch[0]!.verb).to.equal('watch');
    expect(ev.watch[0]!.requestURI).to.equal(`${gizmos('meta')}?watch=true`);
    expect(ev.watch[1]!.responseStatus).to.deep.equal({ metadata: {}, code: 200 });
  });

  it('Request: the request body as sent, no response body', async () => {
    const ev = await sequence('req');
    const create = ev.create.find((e) => e.stage === 'ResponseComplete')!;
    expect(create.level).to.equal('Request');
    expect(create.requestObject).to.deep.equal(JSON.parse(gizmo('req', 'g1')));
    expect(create).to.not.have.property('responseObject');
    expect(ev.create.find((e) => e.stage === 'RequestReceived')).to.not.have.property('requestObject');
    expect(ev.patch.find((e) => e.stage === 'ResponseComplete')!.requestObject).to.deep.equal({ spec: { size: 2 } });
    expect(ev.delete.find((e) => e.stage === 'ResponseComplete')).to.not.have.property('requestObject'); // no body was sent
    for (const e of ev.watch) expect(e).to.not.have.property('responseObject');
  });

  it('RequestResponse: both bodies (never a watch stream); the rule omits RequestReceived', async () => {
    const ev = await sequence('full');
    expect(ev.create.map((e) => e.stage)).to.deep.equal(['ResponseComplete']);
    const create = ev.create[0]!;
    expect(create.level).to.equal('RequestResponse');
    expect(create.requestObject).to.deep.equal(JSON.parse(gizmo('full', 'g1')));
    const created = create.responseObject as KubeObject;
    expect(created.metadata.name).to.equal('g1');
    expect(created.metadata.uid).to.be.a('string');
    expect(created.metadata.resourceVersion).to.be.a('string');
    expect((ev.patch[0]!.responseObject as { spec: unknown }).spec).to.deep.equal({ size: 2 });
    expect((ev.delete[0]!.responseObject as KubeObject).metadata.name).to.equal('g1');
    expect(ev.watch.map((e) => e.stage)).to.deep.equal(['ResponseStarted', 'ResponseComplete']);
    for (const e of ev.watch) expect(e).to.not.have.property('responseObject');
  });

  it('a request the policy file denies: the 403 Status, decision forbid, at every level', async () => {
    const meta = await call(`${gizmos('meta')}/x`, BOB, { method: 'DELETE' });
    expect(meta.status).to.equal(403);
    const full = await call(gizmos('full'), BOB, { method: 'POST', headers: json, body: gizmo('full', 'denied') });
    expect(full.status).to.equal(403);
    const metaEvents = byId(meta.headers.get('audit-id'));
    expect(metaEvents.map((e) => e.stage)).to.deep.equal(['RequestReceived', 'ResponseComplete']);
    const denied = metaEvents[1]!;
    expect(denied.user.username).to.equal('bob');
    expect(denied.verb).to.equal('delete');
    expect(denied.objectRef).to.deep.equal({ resource: 'gizmos', namespace: 'meta', name: 'x', apiGroup: 'audit.example.com', apiVersion: 'v1' });
    expect(denied.responseStatus).to.deep.include({ code: 403, status: 'Failure', reason: 'Forbidden' });
    expect(denied.responseStatus!.message).to.contain('User "bob" cannot delete resource "gizmos"');
    expect(denied.annotations!['authorization.k8s.io/decision']).to.equal('forbid');
    expect(denied).to.not.have.property('responseObject');
    const fullEvent = byId(full.headers.get('audit-id'))[0]!;
    // Refused before its body was read (as in kube-apiserver): no request object, the Status as response.
    expect(fullEvent).to.not.have.property('requestObject');
    expect(fullEvent.responseObject).to.deep.include({ kind: 'Status', code: 403, reason: 'Forbidden' });
  });

  it('a request that fails authentication: audited at its end with no user; the token is not logged', async () => {
    const res = await call(gizmos('meta'), 'not-a-known-token-77', {});
    expect(res.status).to.equal(401);
    const ev = byId(res.headers.get('audit-id'));
    expect(ev.map((e) => e.stage)).to.deep.equal(['RequestReceived', 'ResponseComplete']);
    expect(ev[1]!.user).to.deep.equal({});
    expect(ev[1]!.responseStatus).to.deep.include({ code: 401, reason: 'Unauthorized' });
    expect(ev[1]!.annotations).to.equal(undefined);
  });

  it('an unexpected failure is a Panic event', async () => {
    const res = await call('/apis/audit.example.com/v1/namespaces/meta/brokens/b', ALICE);
    expect(res.status).to.equal(500);
    const ev = byId(res.headers.get('audit-id'));
    expect(ev.map((e) => e.stage)).to.deep.equal(['RequestReceived', 'Panic']);
    expect(ev[1]!.responseStatus!.code).to.equal(500);
    expect(JSON.stringify(ev)).to.not.contain('the handler broke');
  });

  it('the first matching rule wins: carol is never audited, health checks neither, the rest at Metadata', async () => {
    const carol = await call(gizmos('full'), CAROL, { method: 'POST', headers: json, body: gizmo('full', 'by-carol') });
    expect(carol.status).to.equal(201);
    const health = await fetch(`${url}/readyz`);
    expect(health.status).to.equal(200);
    const other = await call('/apis/audit.example.com/v1/gizmos', ALICE);
    expect(other.status).to.equal(200);
    const version = await call('/version', ALICE);
    expect(byId(carol.headers.get('audit-id'))).to.deep.equal([]);
    expect(byId(health.headers.get('audit-id'))).to.deep.equal([]);
    const list = byId(other.headers.get('audit-id'));
    expect(list.map((e) => [e.level, e.verb])).to.deep.equal([
      ['Metadata', 'list'],
      ['Metadata', 'list'],
    ]);
    expect(list[0]!.objectRef).to.deep.equal({ resource: 'gizmos', apiGroup: 'audit.example.com', apiVersion: 'v1' });
    const nonResource = byId(version.headers.get('audit-id'));
    expect(nonResource.map((e) => e.verb)).to.deep.equal(['get', 'get']);
    expect(nonResource[1]).to.not.have.property('objectRef');
  });

  it('keeps a client Audit-Id, and the X-Forwarded-For chain in sourceIPs', async () => {
    const res = await call(gizmos('meta'), ALICE, { headers: { 'Audit-Id': 'client-chosen-id-1', 'X-Forwarded-For': '10.0.0.7, 10.0.0.8' } });
    expect(res.headers.get('audit-id')).to.equal('client-chosen-id-1');
    const ev = byId('client-chosen-id-1');
    expect(ev).to.have.length(2);
    expect(ev[0]!.sourceIPs).to.deep.equal(['10.0.0.7', '10.0.0.8', '127.0.0.1']);
    // Every response has one, errors and unrouted paths included.
    for (const path of ['/nothing', '/healthz', gizmos('meta')]) expect((await fetch(`${url}${path}`)).headers.get('audit-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('counts events and policy levels in /metrics', async () => {
    const res = await call('/metrics', ALICE);
    expect(res.status).to.equal(200);
    const text = await res.text();
    const lines = events(log).length;
    // The scrape's own RequestReceived was counted, its ResponseComplete came after the render.
    expect(text).to.contain(`apiserver_audit_event_total ${lines - 1}\n`);
    expect(Number(/apiserver_audit_level_total\{level="None"\} (\d+)/.exec(text)?.[1])).to.be.at.least(2);
    expect(Number(/apiserver_audit_level_total\{level="RequestResponse"\} (\d+)/.exec(text)?.[1])).to.be.at.least(4);
    expect(text).to.not.contain('apiserver_audit_error_total{');
  });

  it('never writes a bearer token or a credential in the query to the audit log or the request log', async () => {
    await call(`${gizmos('full')}?access_token=${BOB}&limit=1`, ALICE);
    await call(`${gizmos('req')}`, ALICE, { method: 'POST', headers: { ...json, 'X-Api-Key': CAROL }, body: gizmo('req', 'tok') });
    await fetch(`${url}${gizmos('meta')}`, { headers: { Authorization: `Bearer ${BOB}x` } });
    await until(() => requestLog.join('').includes('resp=401'));
    const audit = readFileSync(log, 'utf8');
    expect(audit).to.contain('access_token=REDACTED');
    for (const token of [ALICE, BOB, CAROL]) {
      expect(audit).to.not.contain(token);
      expect(requestLog.join('')).to.not.contain(token);
    }
  });
});

describe('audit: omitStages of the policy, rotation of the log, stdout, flags', function () {
  this.timeout(45_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-e2e2-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('omits the policy stages and a rule stages together; writes to the output writer with "-"', async () => {
    const out: string[] = [];
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter({ write: (t: string) => out.push(t) })
      .withAuditPolicy({
        apiVersion: 'audit.k8s.io/v1',
        kind: 'Policy',
        omitStages: ['RequestReceived'],
        rules: [{ level: 'Metadata', verbs: ['watch'], omitStages: ['ResponseStarted'] }, { level: 'Metadata' }],
      })
      .withAuditLog('-')
      .build();
    try {
      const { url } = await server.start();
      const watch = await openWatch(`${url}${gizmos('default')}?watch=true`);
      expect(watch.status).to.equal(200);
      const get = await fetch(`${url}${gizmos('default')}/none`);
      expect(get.status).to.equal(404);
      watch.close();
      const lines = (): AuditEvent[] =>
        out
          .join('')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l));
      await until(() => lines().some((e) => e.verb === 'watch'));
      const ev = lines();
      // Anonymous: the server authenticates nobody.
      expect(ev.map((e) => [e.verb, e.stage, e.user.username])).to.deep.equal([
        ['get', 'ResponseComplete', 'system:anonymous'],
        ['watch', 'ResponseComplete', 'system:anonymous'],
      ]);
      expect(ev[0]!.responseStatus).to.deep.include({ code: 404, reason: 'NotFound' });
    } finally {
      await server.stop();
    }
  });

  it('sends events to a sink given to the builder as well as to the log file, and closes both on stop', async () => {
    const log = join(dir, 'both.log');
    const seen: AuditEvent[] = [];
    let closed = 0;
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withAuditPolicy({ rules: [{ level: 'Request', verbs: ['create'] }] })
      .withAuditLog(log)
      .withAuditSink({ write: (e) => seen.push(e), close: async () => void closed++ })
      .build();
    try {
      const { url } = await server.start();
      const res = await fetch(`${url}${gizmos('default')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: gizmo('default', 'sunk') });
      expect(res.status).to.equal(201);
      expect((await fetch(`${url}${gizmos('default')}`)).status).to.equal(200); // a list: level None
    } finally {
      await server.stop();
    }
    expect(closed).to.equal(1);
    expect(seen.map((e) => [e.verb, e.stage])).to.deep.equal([
      ['create', 'RequestReceived'],
      ['create', 'ResponseComplete'],
    ]);
    expect(seen[1]!.requestObject).to.deep.equal(JSON.parse(gizmo('default', 'sunk')));
    expect(events(log)).to.deep.equal(seen);
  });

  it('rotates the log by size, gzips rotated files and keeps maxBackups of them', async () => {
    const log = join(dir, 'audit.log');
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withAuditPolicy({ rules: [{ level: 'RequestResponse', verbs: ['create'] }] })
      .withAuditLog(log, { maxSizeMiB: 1, maxBackups: 2, compress: true })
      .build();
    try {
      const { url } = await server.start();
      const note = 'n'.repeat(200 * 1024);
      // Each create writes its 200 KiB body twice (request and response) in one event.
      for (let i = 0; i < 14; i++) {
        const res = await fetch(`${url}${gizmos('default')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: gizmo('default', `big-${i}`, { note }) });
        expect(res.status).to.equal(201);
      }
    } finally {
      await server.stop();
    }
    const files = readdirSync(dir).sort();
    expect(files).to.have.length(3);
    const backups = files.filter((f) => f !== 'audit.log');
    // Compressed before stop() resolved.
    for (const b of backups) expect(b).to.match(/^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log\.gz$/);
    const unzip = (f: string): AuditEvent[] =>
      gunzipSync(readFileSync(join(dir, f)))
        .toString('utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEvent);
    const all = [...backups.flatMap(unzip), ...events(join(dir, 'audit.log'))];
    const names = all.filter((e) => e.stage === 'ResponseComplete').map((e) => e.objectRef!.name);
    // About two creates per file, the newest kept in order.
    expect(names).to.deep.equal(['big-8', 'big-9', 'big-10', 'big-11', 'big-12', 'big-13']);
  });

  it('the command line: bad policy files and stray rotation flags are usage errors', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]\n');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((t: string) => stderr.push(String(t)) > 0) as typeof process.stderr.write;
    try {
      const builder = (): ServerBuilder => new ServerBuilder().withResource(Gizmo).withOutputWriter(silent);
      expect(await builder().executeCommand(['--audit-policy-file', bad])).to.equal(2);
      expect(await builder().executeCommand(['--audit-policy-file', join(dir, 'missing.yaml')])).to.equal(2);
      expect(await builder().executeCommand(['--audit-log-maxsize', '5'])).to.equal(2);
      expect(await builder().executeCommand(['--audit-log-path', join(dir, 'a.log'), '--audit-log-maxbackup', 'x'])).to.equal(2);
      expect(await builder().executeCommand(['--audit-log-compress'])).to.equal(2);
      // A log that cannot be made: the server does not start.
      writeFileSync(join(dir, 'plain-file'), '');
      const serve = ['--secure-port', '0', '--cert-dir', join(dir, 'certs'), '--storage', 'memory'];
      const policy = join(dir, 'good.yaml');
      writeFileSync(policy, 'rules: [{level: Metadata}]\n');
      expect(await builder().executeCommand([...serve, '--audit-policy-file', policy, '--audit-log-path', join(dir, 'plain-file', 'audit.log')])).to.equal(1);
      expect(await builder().executeCommand([...serve, '--audit-policy-file', policy, '--audit-log-path', '/proc/no-such-dir/audit.log'])).to.equal(1);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr[0]).to.contain('rules[0].level: must be one of None, Metadata, Request, RequestResponse');
    expect(stderr[1]).to.contain('missing.yaml');
    expect(stderr[2]).to.contain('--audit-log-maxsize needs --audit-log-path');
    expect(stderr[3]).to.contain('--audit-log-maxbackup must be a non-negative integer');
    expect(stderr[4]).to.contain('--audit-log-compress needs --audit-log-path');
    expect(stderr[5]).to.contain('ENOTDIR');
    expect(stderr[6]).to.contain('ENOENT');
  });
});
