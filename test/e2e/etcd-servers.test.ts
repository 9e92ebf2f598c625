/**
 * Issue 6 at the server level: real example-server processes (`examples/demo/server.ts`) on
 * one real single-member etcd, reached over HTTPS as clients reach them. Two replicas serve one
 * consistent API (same objects, same resourceVersions, each other's writes in their watches,
 * one winner of conflicting updates); a watch resumes across a server restart (or gets 410
 * once etcd compacted its revision); `copy-storage` moves a SQLite store into etcd and back.
 */
import { expect } from 'chai';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, CustomObjectsApi, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import { SqliteObjectStore } from '../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import { EtcdCluster } from '../support/etcd/etcd-cluster.js';
import { uniquePrefix } from '../support/etcd/etcd-test-stores.js';
import { waitFor } from '../support/wait-for.js';
import { Api, onInterrupt, runExample, type ServerProcess, show, startServer, type StartedServer, stopAll, WIDGETS, type WatchRecorder, widget } from './support/etcd-servers.js';

describe('e2e: server processes on one etcd', function () {
  this.timeout(60_000);
  let cluster: EtcdCluster;
  let unregister: (() => void) | undefined;
  let dir: string;
  let spec: string;
  let a: StartedServer;
  let b: StartedServer;
  let apiA: Api;
  let apiB: Api;
  const servers: ServerProcess[] = [];
  const watches: WatchRecorder[] = [];
  /** Timings worth reading in the test output. */
  const notes: string[] = [];

  async function serve(name: string, storage: string): Promise<StartedServer> {
    const d = join(dir, name);
    await mkdir(d, { recursive: true });
    const s = await startServer({ storage, dir: d });
    servers.push(s.server);
    return s;
  }

  /** Runs `copy-storage --from --to` to its end; fails with its output unless it exits 0. */
  async function copyStorage(from: string, to: string): Promise<{ stdout: string; ms: number }> {
    const started = Date.now();
    const r = await runExample(['copy-storage', '--from', from, '--to', to], 30_000);
    expect(r.code, `copy-storage exited ${r.code} (${r.signal}):\n${r.stdout}${r.stderr}`).to.equal(0);
    return { stdout: r.stdout, ms: Date.now() - started };
  }

  async function watch(api: Api, path: string, rv: string | number): Promise<WatchRecorder> {
    const w = await api.watch(path, rv);
    watches.push(w);
    return w;
  }

  before(async function () {
    this.timeout(300_000); // the first run may install etcd
    cluster = await EtcdCluster.start();
    unregister = onInterrupt(() => cluster.members.forEach((m) => void m.kill()));
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-e2e-etcd-'));
    spec = `etcd:${cluster.endpoints[0]}?prefix=${uniquePrefix('e2e')}`;
    [a, b] = await Promise.all([serve('a', spec), serve('b', spec)]);
    apiA = new Api(a.server);
    apiB = new Api(b.server);
  });

  afterEach(() => {
    for (const w of watches.splice(0)) w.close();
  });

  after(async () => {
    if (notes.length > 0) console.log(notes.map((n) => `      ${n}`).join('\n'));
    for (const w of watches.splice(0)) w.close();
    await stopAll(servers);
    await cluster?.stop();
    unregister?.();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves an object created through one server from the other, at the same resourceVersion', async () => {
    const created = await apiA.post(WIDGETS, widget('shared', { color: 'blue', replicas: 3 }, { tier: 'one' }));
    expect(created.status, show(created)).to.equal(201);
    const rv = created.body.metadata.resourceVersion;

    const got = await apiB.get(`${WIDGETS}/shared`);
    expect(got.status, show(got)).to.equal(200);
    expect(got.body).to.deep.equal(created.body);

    const [listA, listB] = await Promise.all([apiA.get(WIDGETS), apiB.get(WIDGETS)]);
    expect(listB.status, show(listB)).to.equal(200);
    expect(listB.body.items).to.deep.equal([created.body]);
    expect(listA.body.items).to.deep.equal(listB.body.items);
    // The list's resourceVersion is etcd's revision: both servers read the same one.
    expect(Number(listB.body.metadata.resourceVersion)).to.be.at.least(Number(rv));
    expect(listA.body.metadata.resourceVersion).to.equal(listB.body.metadata.resourceVersion);

    // A read at exactly that resourceVersion through the other server.
    const exact = await apiB.get(`${WIDGETS}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
    expect(exact.status, show(exact)).to.equal(200);
    expect(exact.body.items).to.deep.equal([created.body]);
  });

  it('shows every write through either server to watches (HTTP and a client-node informer) on both, with the same resourceVersions', async () => {
    const list = await apiB.get(WIDGETS);
    const from = list.body.metadata.resourceVersion;
    const [onA, onB] = await Promise.all([watch(apiA, WIDGETS, from), watch(apiB, WIDGETS, from)]);
    expect(onA.status).to.equal(200);
    expect(onB.status).to.equal(200);

    // A client-node 1.4 informer on B, with the kubeconfig B wrote.
    const kc = new KubeConfig();
    kc.loadFromFile(b.kubeconfigPath);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const informer = makeInformer<KubernetesObject>(kc, WIDGETS, () =>
      custom.listNamespacedCustomObject({ group: 'demo.example.com', version: 'v1', namespace: 'default', plural: 'widgets' }) as any,
    );
    const informed: string[] = [];
    informer.on('add', (o) => informed.push(`add ${o.metadata!.name} ${o.metadata!.resourceVersion}`));
    informer.on('update', (o) => informed.push(`update ${o.metadata!.name} ${o.metadata!.resourceVersion}`));
    informer.on('delete', (o) => informed.push(`delete ${o.metadata!.name}`));
    await informer.start();
    try {
      const expected: [string, string, string][] = [];
      const c1 = await apiA.post(WIDGETS, widget('w1'));
      expect(c1.status, show(c1)).to.equal(201);
      expected.push(['ADDED', 'w1', c1.body.metadata.resourceVersion]);
      const c2 = await apiB.post(WIDGETS, widget('w2'));
      expect(c2.status, show(c2)).to.equal(201);
      expected.push(['ADDED', 'w2', c2.body.metadata.resourceVersion]);
      const u1 = await apiB.put(`${WIDGETS}/w1`, { ...c1.body, spec: { color: 'red', replicas: 2 } });
      expect(u1.status, show(u1)).to.equal(200);
      expected.push(['MODIFIED', 'w1', u1.body.metadata.resourceVersion]);
      const d2 = await apiA.delete(`${WIDGETS}/w2`);
      expect(d2.status, show(d2)).to.equal(200);

      await Promise.all([onA.waitForRevision(u1.body.metadata.resourceVersion), onB.waitForRevision(u1.body.metadata.resourceVersion)]);
      await Promise.all([onA.waitFor((w) => w.changes.some((e) => e.type === 'DELETED')), onB.waitFor((w) => w.changes.some((e) => e.type === 'DELETED'))]);
      for (const w of [onA, onB]) {
        expect(w.ended).to.equal(undefined);
        const seen = w.changes.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]);
        expect(seen.slice(0, 3)).to.deep.equal(expected);
        expect(seen).to.have.length(4);
        expect(seen[3]!.slice(0, 2)).to.deep.equal(['DELETED', 'w2']);
        // The deletion's resourceVersion is the revision etcd gave it, the same on both servers.
        expect(Number(seen[3]![2])).to.be.greaterThan(Number(u1.body.metadata.resourceVersion));
      }
      expect(onA.changes).to.deep.equal(onB.changes);
      expect(onB.changes[0]!.object).to.deep.equal(c1.body);

      await waitFor(() => informed.includes('delete w2'), { what: "the informer's delete of w2", detail: () => informed.join(', ') });
      expect(informed).to.include.members([
        `add w1 ${c1.body.metadata.resourceVersion}`,
        `add w2 ${c2.body.metadata.resourceVersion}`,
        `update w1 ${u1.body.metadata.resourceVersion}`,
        'delete w2',
      ]);
    } finally {
      await informer.stop();
    }
  });

  it('lets exactly one of two conflicting updates through the two servers win (200), the other gets 409 Conflict', async () => {
    const made = await apiA.post(WIDGETS, widget('race', { color: 'red', replicas: 0 }));
    expect(made.status, show(made)).to.equal(201);
    let current = made.body;
    for (let round = 1; round <= 5; round++) {
      const [ra, rb] = await Promise.all([
        apiA.put(`${WIDGETS}/race`, { ...current, spec: { color: 'red', replicas: round } }),
        apiB.put(`${WIDGETS}/race`, { ...current, spec: { color: 'blue', replicas: round } }),
      ]);
      const statuses = [ra.status, rb.status].sort();
      expect(statuses, `round ${round}: ${show(ra)} | ${show(rb)}`).to.deep.equal([200, 409]);
      const won = ra.status === 200 ? ra : rb;
      const lost = ra.status === 200 ? rb : ra;
      expect(lost.body).to.include({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
      expect(lost.body.details).to.include({ name: 'race', group: 'demo.example.com', kind: 'widgets' });
      const [ga, gb] = await Promise.all([apiA.get(`${WIDGETS}/race`), apiB.get(`${WIDGETS}/race`)]);
      expect(ga.body).to.deep.equal(won.body);
      expect(gb.body).to.deep.equal(won.body);
      current = won.body;
    }
    // Two creates of one name: one 201, one 409 AlreadyExists.
    const [ca, cb] = await Promise.all([apiA.post(WIDGETS, widget('dup')), apiB.post(WIDGETS, widget('dup'))]);
    expect([ca.status, cb.status].sort(), `${show(ca)} | ${show(cb)}`).to.deep.equal([201, 409]);
    expect((ca.status === 409 ? ca : cb).body.reason).to.equal('AlreadyExists');
  });

  it('reads its own writes across servers through their watch caches: write on one, get and list on the other at once', async () => {
    let current: KubeObject | undefined;
    for (let i = 0; i < 30; i++) {
      const [writer, reader] = i % 2 === 0 ? [apiA, apiB] : [apiB, apiA];
      const w = current
        ? await writer.put(`${WIDGETS}/ryw`, { ...current, spec: { color: 'green', replicas: i } })
        : await writer.post(WIDGETS, widget('ryw', { color: 'green', replicas: i }));
      expect(w.status, show(w)).to.be.oneOf([200, 201]);
      current = w.body as KubeObject;
      const [got, listed] = await Promise.all([reader.get(`${WIDGETS}/ryw`), reader.get(WIDGETS)]);
      expect(got.body, `get after write ${i}`).to.deep.equal(current);
      const item = (listed.body.items as KubeObject[]).find((o) => o.metadata.name === 'ryw');
      expect(item, `list after write ${i}`).to.deep.equal(current);
      expect(Number(listed.body.metadata.resourceVersion)).to.be.at.least(Number(current.metadata.resourceVersion));
    }
    // resourceVersion=0 may be older, never newer than the state; NotOlderThan the write is at least it.
    const rv = current!.metadata.resourceVersion!;
    const notOlder = await apiA.get(`${WIDGETS}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    expect(Number(notOlder.body.metadata.resourceVersion)).to.be.at.least(Number(rv));
    const any = await apiB.get(`${WIDGETS}?resourceVersion=0`);
    expect(any.status, show(any)).to.equal(200);
  });

  it('serves 50 HTTP watches on one server over its one etcd watch (etcd’s watcher count does not move), each seeing every write', async () => {
    const etcdWatchers = async (): Promise<number> => {
      const text = await (await fetch(`${cluster.endpoints[0]}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('etcd_debugging_mvcc_watcher_total '));
      return Number(line?.split(' ')[1] ?? NaN);
    };
    const from = (await apiA.get(WIDGETS)).body.metadata.resourceVersion;
    const base = await etcdWatchers();
    const opened = await Promise.all(Array.from({ length: 50 }, () => watch(apiA, WIDGETS, from)));
    expect(opened.map((w) => w.status)).to.deep.equal(Array(50).fill(200));
    expect(await etcdWatchers(), 'etcd watchers after 50 client watches').to.equal(base);
    const made = await apiB.post(WIDGETS, widget('fanout'));
    expect(made.status, show(made)).to.equal(201);
    for (const w of opened) await w.waitForRevision(made.body.metadata.resourceVersion);
    for (const w of opened) expect(w.changes.map((e) => [e.type, e.object.metadata.name])).to.deep.equal([['ADDED', 'fanout']]);
    notes.push(`fan-out: 50 HTTP watches, etcd watchers ${base} before and after`);
  });

  it('copy-storage moves a SQLite store into etcd and back, keeping uids, timestamps, labels and status', async () => {
    const GADGETS = '/apis/demo.example.com/v1/gadgets';
    const sqliteFrom = join(dir, 'copy', 'from.db');
    const sqliteBack = join(dir, 'copy', 'back.db');
    const etcdTo = `etcd:${cluster.endpoints[0]}?prefix=${uniquePrefix('copy')}`;
    const timings: string[] = [];

    // Objects made through a server on SQLite, with labels, annotations and status.
    const s = await serve('copy-sqlite', `sqlite:${sqliteFrom}`);
    const api = new Api(s.server);
    for (const [name, color] of [['c1', 'red'], ['c2', 'green'], ['c3', 'blue']] as const) {
      const made = await api.post(WIDGETS, {
        ...widget(name, { color, replicas: 2 }),
        metadata: { name, namespace: 'default', labels: { app: 'copy', name }, annotations: { note: `made as ${name}` } },
      });
      expect(made.status, show(made)).to.equal(201);
      const st = await api.put(`${WIDGETS}/${name}/status`, {
        ...made.body,
        status: { replicas: 2, conditions: [{ type: 'Ready', status: 'True', reason: 'Copied', lastTransitionTime: '2024-01-02T03:04:05Z' }] },
      });
      expect(st.status, show(st)).to.equal(200);
    }
    const g = await api.post(GADGETS, { apiVersion: 'demo.example.com/v1', kind: 'Gadget', metadata: { name: 'g1', labels: { size: 'l' } }, spec: { size: 'large' } });
    expect(g.status, show(g)).to.equal(201);
    const original = { widgets: (await api.get(WIDGETS)).body.items, gadgets: (await api.get(GADGETS)).body.items };
    expect(original.widgets).to.have.length(3);
    expect(original.widgets[0].status.conditions).to.have.length(1);
    expect((await s.server.stop()).code).to.equal(0);

    const withoutRv = (items: any[]) => items.map((o) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } }));
    const expectSame = async (api2: Api, where: string) => {
      const widgets = await api2.get(WIDGETS);
      const gadgets = await api2.get(GADGETS);
      expect(widgets.status, show(widgets)).to.equal(200);
      // Everything the server set is kept (uid, creationTimestamp, generation, managedFields,
      // labels, annotations, status); only the resourceVersions are the target's own.
      expect(withoutRv(widgets.body.items), where).to.deep.equal(withoutRv(original.widgets));
      expect(withoutRv(gadgets.body.items), where).to.deep.equal(withoutRv(original.gadgets));
      for (const o of widgets.body.items) expect(Number(o.metadata.resourceVersion)).to.be.greaterThan(0);
    };

    // SQLite → etcd, then serve from etcd.
    const into = await copyStorage(`sqlite:${sqliteFrom}`, etcdTo);
    expect(into.stdout).to.match(/copied 4 objects/);
    timings.push(`sqlite→etcd ${into.ms} ms`);
    const e = await serve('copy-etcd', etcdTo);
    const apiE = new Api(e.server);
    await expectSame(apiE, 'served from etcd');
    // The copy's prefix is its own: the replicas on the test prefix do not see it.
    expect((await apiA.get(WIDGETS)).body.items.map((o: any) => o.metadata.name)).to.not.include.members(['c1', 'c2', 'c3']);
    // Served from etcd, the copies take writes like any object.
    const c1 = (await apiE.get(`${WIDGETS}/c1`)).body;
    const edited = await apiE.put(`${WIDGETS}/c1`, { ...c1, metadata: { ...c1.metadata, labels: { ...c1.metadata.labels, edited: 'no' } } });
    expect(edited.status, show(edited)).to.equal(200);
    const unedited = await apiE.put(`${WIDGETS}/c1`, c1);
    expect(unedited.status, show(unedited)).to.equal(409);
    const restored = await apiE.put(`${WIDGETS}/c1`, { ...edited.body, metadata: { ...edited.body.metadata, labels: c1.metadata.labels } });
    expect(restored.status, show(restored)).to.equal(200);
    original.widgets[0] = { ...restored.body };
    expect((await e.server.stop()).code).to.equal(0);

    // etcd → a new SQLite file.
    const back = await copyStorage(etcdTo, `sqlite:${sqliteBack}`);
    expect(back.stdout).to.match(/copied 4 objects/);
    timings.push(`etcd→sqlite ${back.ms} ms`);
    // Read the file directly (a third server start costs a second or two): every object as the
    // etcd server served it last.
    const backStore = new SqliteObjectStore({ path: sqliteBack });
    try {
      const stored = (await backStore.list('/')).items.map((i) => i.object);
      const byUid = (items: any[]) => [...items].sort((x, y) => x.metadata.uid.localeCompare(y.metadata.uid));
      expect(byUid(withoutRv(stored))).to.deep.equal(byUid(withoutRv([...original.widgets, ...original.gadgets])));
    } finally {
      await backStore.close();
    }
    notes.push(`copy-storage: ${timings.join(', ')}`);
  });

  it('resumes a watch across a server restart from a noted resourceVersion, and answers 410 once etcd compacted it', async () => {
    // A watch open on A when A stops: the server ends the stream (no ERROR), the client re-watches.
    const before = await apiA.post(WIDGETS, widget('before-restart'));
    expect(before.status, show(before)).to.equal(201);
    const noted = before.body.metadata.resourceVersion;
    const open = await watch(apiA, WIDGETS, noted);

    const stopped = Date.now();
    expect((await a.server.stop()).code).to.equal(0);
    const stopMs = Date.now() - stopped;
    await open.waitFor((w) => w.ended !== undefined, 5000, 'the end of the watch at shutdown');
    expect(open.events.filter((e) => e.type === 'ERROR')).to.deep.equal([]);
    notes.push(`a watch open at SIGTERM: the stream ended (${open.ended}), no ERROR event`);

    // While A is down, B writes.
    const during = await apiB.post(WIDGETS, widget('during-restart'));
    expect(during.status, show(during)).to.equal(201);

    // A again: same etcd, same certificate directory (a new port and token).
    a = await serve('a', spec);
    apiA = new Api(a.server);
    const resumed = await watch(apiA, WIDGETS, noted);
    expect(resumed.status).to.equal(200);
    const after = await apiA.post(WIDGETS, widget('after-restart'));
    expect(after.status, show(after)).to.equal(201);
    await resumed.waitForRevision(after.body.metadata.resourceVersion);
    expect(resumed.changes.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).to.deep.equal([
      ['ADDED', 'during-restart', during.body.metadata.resourceVersion],
      ['ADDED', 'after-restart', after.body.metadata.resourceVersion],
    ]);
    notes.push(`restart: SIGTERM to exit ${stopMs} ms, start to serving ${a.startMs} ms`);

    // Another process compacts etcd past the noted resourceVersion: a watch from it gets 410.
    const etcd = new Etcd3({ hosts: cluster.endpoints });
    try {
      const revision = Number((await etcd.get('/').exec()).header.revision);
      await etcd.kv.compact({ revision, physical: true });
    } finally {
      etcd.close();
    }
    const gone = await apiA.watch(WIDGETS, noted);
    watches.push(gone);
    if (gone.status === 200) {
      // Kubernetes' way: 200 and one ERROR event with a 410 Status.
      await gone.waitFor((w) => w.events.length > 0 || w.ended !== undefined, 5000, 'an ERROR event');
      expect(gone.events[0]?.type).to.equal('ERROR');
      expect(gone.events[0]?.object).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
      notes.push('watch from a compacted resourceVersion: 200 with an ERROR 410 Expired event');
    } else {
      await gone.waitFor((w) => w.ended !== undefined, 5000, 'the 410 answer');
      expect(gone.status, JSON.stringify(gone.errorBody)).to.equal(410);
      expect(gone.errorBody).to.include({ kind: 'Status', code: 410, reason: 'Expired' });
      notes.push('watch from a compacted resourceVersion: HTTP 410 with an Expired Status');
    }
    // A list at the compacted resourceVersion is 410 too; a fresh list and watch work.
    const oldList = await apiB.get(`${WIDGETS}?resourceVersion=${noted}&resourceVersionMatch=Exact`);
    expect(oldList.status, show(oldList)).to.equal(410);
    const fresh = await apiA.get(WIDGETS);
    expect(fresh.status).to.equal(200);
    const rewatch = await watch(apiA, WIDGETS, fresh.body.metadata.resourceVersion);
    const last = await apiB.post(WIDGETS, widget('after-compaction'));
    await rewatch.waitForRevision(last.body.metadata.resourceVersion);
    expect(rewatch.changes.map((e) => e.object.metadata.name)).to.deep.equal(['after-compaction']);
  });
});

