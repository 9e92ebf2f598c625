import { join } from 'node:path';
import { expect } from 'chai';
import { scratchDir } from '../app/fixtures/demo-objects.js';
import { type HttpsClient, ServerProcess } from './support/server-process.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';
const GADGETS = '/apis/demo.example.com/v1/gadgets';
const WORKERS = 16;
/** Acknowledged writes before the kill: enough for every worker to be mid-way through its objects. */
const ACKS_BEFORE_KILL = 160;

type Op = 'create' | 'update' | 'status' | 'delete';

/** What one worker did to one object: the acknowledged writes in order, and the one cut off. */
interface History {
  acked: Array<{ op: Op; object: any }>;
  inflight?: Op;
}

const rv = (o: any): number => Number(o.metadata.resourceVersion);

/**
 * The real example server on durable storage, per store, in one life story: written to,
 * stopped with SIGTERM and started again (everything reads as before, resourceVersions
 * included; an old watch resumes); then, under a burst of concurrent HTTPS writes, killed with
 * SIGKILL and started again (every acknowledged write is there as it was acknowledged, no
 * resourceVersion is handed out twice, an old watch resumes or is told 410 as the store
 * documents). The two cases share servers to save starts; each also runs alone (--grep).
 */
describe('e2e: a server stopped, or killed mid-burst, and started again', function () {
  this.timeout(60_000);

  const stores = [
    // SQLite keeps its log across restarts: an old watch resumes, also after a crash.
    { name: 'sqlite', spec: (dir: string) => `sqlite:${join(dir, 'apiserver.db')}`, watchAfterCrash: 'resumes' },
    // The file store keeps watch history in memory from startup: after a crash an old watch is told 410.
    { name: 'file', spec: (dir: string) => `file:${join(dir, 'data')}`, watchAfterCrash: 'expires' },
  ] as const;

  for (const store of stores) {
    describe(store.name, () => {
      let tmp: { dir: string; cleanup(): Promise<void> };
      let spec: string;
      let server: ServerProcess | undefined;
      let client: HttpsClient | undefined;
      before(async () => {
        tmp = await scratchDir();
        spec = store.spec(tmp.dir);
      });
      after(async () => {
        client?.close();
        await server?.kill();
        await tmp.cleanup();
      });

      /** (Re)starts the server on the store and connects a client. */
      async function restart(): Promise<HttpsClient> {
        client?.close();
        server = await ServerProcess.start({ storage: spec, dir: tmp.dir });
        client = server.client();
        return client;
      }

      it('SIGTERM and start: objects, uids, creationTimestamps and resourceVersions as before; an old watch resumes', async () => {
        let c = await restart();
        await writeSome(c);
        const before = await snapshot(c);
        expect(before.widgets.items.map((o: any) => o.metadata.name)).to.deep.equal(['finalized', 'labelled', 'scaled']);
        expect(before.gadgets.items).to.have.length(1);

        const exit = await server!.stop();
        expect(exit, server!.output()).to.deep.equal({ code: 0, signal: null });
        expect(server!.output()).to.contain('received SIGTERM, shutting down');

        c = await restart();
        const after = await snapshot(c);
        expect(after.widgets.items).to.deep.equal(before.widgets.items);
        expect(after.gadgets.items).to.deep.equal(before.gadgets.items);
        expect(after.widgets.metadata.resourceVersion).to.equal(before.widgets.metadata.resourceVersion);

        const watch = await c.watch(WIDGETS, before.widgets.metadata.resourceVersion);
        try {
          expect(watch.status).to.equal(200);
          const next = await c.call('POST', WIDGETS, widget('after-restart'));
          expect(next.status).to.equal(201);
          expect(rv(next.body)).to.be.greaterThan(Number(before.widgets.metadata.resourceVersion));
          await watch.until((lines) => lines.length > 0, 10_000, 'an event');
          expect(watch.lines[0].type).to.equal('ADDED');
          expect(watch.lines[0].object.metadata).to.include({ name: 'after-restart', resourceVersion: next.body.metadata.resourceVersion });
        } finally {
          watch.close();
        }
      });

      it(`SIGKILL mid-burst and start: every acknowledged write is there, no resourceVersion reused, an old watch ${store.watchAfterCrash}`, async () => {
        let c = server?.running ? client! : await restart();
        // What was there before the burst was acknowledged too, and nothing touches it.
        const untouched = (await c.get(WIDGETS)).body.items as any[];
        const { histories, unexpected, inflightAtKill, exit } = await burstThenKill(server!, c);
        expect(unexpected, 'answers other than 2xx during the burst').to.deep.equal([]);
        expect(exit.signal).to.equal('SIGKILL');
        expect(inflightAtKill, 'writes in flight when the server was killed').to.be.greaterThan(0);

        const acked = [...histories.values()].flatMap((h) => h.acked);
        const ackedRevisions = acked.map((a) => rv(a.object));
        expect(new Set(ackedRevisions).size, 'distinct resourceVersions among acknowledged writes').to.equal(ackedRevisions.length);
        const maxAcked = Math.max(...ackedRevisions, ...untouched.map(rv));

        c = await restart();
        const list = await c.get(WIDGETS);
        expect(list.status).to.equal(200);
        const found = new Map<string, any>(list.body.items.map((o: any) => [o.metadata.name, o]));
        expect(Number(list.body.metadata.resourceVersion)).to.be.at.least(maxAcked);

        for (const o of untouched) expect(found.get(o.metadata.name), `${o.metadata.name}, written before the burst`).to.deep.equal(o);
        for (const [name, h] of histories) expectSurvived(name, h, found.get(name));
        for (const name of found.keys()) {
          expect(histories.has(name) || untouched.some((o) => o.metadata.name === name), `${name} was never written`).to.equal(true);
        }

        // New writes get resourceVersions above everything acknowledged before the crash.
        const marker = await c.call('POST', WIDGETS, widget('after-crash'));
        expect(marker.status).to.equal(201);
        expect(rv(marker.body)).to.be.greaterThan(maxAcked).and.greaterThan(Number(list.body.metadata.resourceVersion));

        // A watch from the oldest acknowledged write of the burst.
        const from = Math.min(...ackedRevisions);
        const watch = await c.watch(WIDGETS, String(from));
        try {
          if (store.watchAfterCrash === 'expires') {
            // Kubernetes answers either way: a 410 Status, or a 200 stream whose first event is an ERROR.
            await watch.until((lines) => lines.length > 0, 5_000, 'an answer');
            const status = watch.status === 200 ? watch.lines[0].object : watch.lines[0];
            expect(watch.status === 200 ? watch.lines[0].type : 'ERROR').to.equal('ERROR');
            expect(status, JSON.stringify(watch.lines)).to.include({ code: 410, reason: 'Expired' });
          } else {
            expect(watch.status).to.equal(200);
            await watch.until((lines) => lines.some((e) => e.object?.metadata?.name === 'after-crash'), 10_000, 'the marker event');
            const events = watch.lines.filter((e) => e.type !== 'BOOKMARK');
            const revisions = events.map((e) => rv(e.object));
            expect(revisions, 'events in increasing resourceVersion order').to.deep.equal([...revisions].sort((a, b) => a - b));
            expect(new Set(revisions).size).to.equal(revisions.length);
            expect(revisions[0]).to.be.greaterThan(from);
            const seen = new Set(revisions);
            for (const a of acked) {
              if (rv(a.object) > from && !isGone(a)) expect(seen.has(rv(a.object)), `event of acknowledged ${a.op} at ${rv(a.object)}`).to.equal(true);
            }
            for (const [name, h] of histories) {
              if (h.acked.some(isGone)) {
                expect(events.some((e) => e.type === 'DELETED' && e.object.metadata.name === name), `DELETED ${name}`).to.equal(true);
              }
            }
          }
        } finally {
          watch.close();
        }
      });
    });
  }
});

/** A few objects of each kind, with what the server sets on them (status, finalizers, a deletion). */
async function writeSome(client: HttpsClient): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown): Promise<any> => {
    const r = await client.call(method, path, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).to.be.within(200, 299);
    return r.body;
  };
  await ok('POST', GADGETS, { apiVersion: 'demo.example.com/v1', kind: 'Gadget', metadata: { name: 'g', labels: { size: 'l' } }, spec: { size: 'large' } });
  await ok('POST', WIDGETS, { ...widget('labelled'), metadata: { name: 'labelled', labels: { app: 'demo' }, annotations: { note: 'kept' } } });
  const finalized = await ok('POST', WIDGETS, widget('finalized', ['demo.example.com/keep']));
  await ok('PUT', `${WIDGETS}/finalized/status`, { ...finalized, status: { replicas: 2 } });
  await ok('DELETE', `${WIDGETS}/finalized`); // stays, with a deletionTimestamp
  await ok('POST', WIDGETS, widget('gone'));
  await ok('DELETE', `${WIDGETS}/gone`);
  const scaled = await ok('POST', WIDGETS, widget('scaled'));
  await ok('PUT', `${WIDGETS}/scaled`, { ...scaled, spec: { color: 'red', replicas: 3 } }); // generation 2
}

async function snapshot(client: HttpsClient): Promise<{ widgets: any; gadgets: any }> {
  const [widgets, gadgets] = await Promise.all([client.get(WIDGETS), client.get(GADGETS)]);
  expect(widgets.status).to.equal(200);
  expect(gadgets.status).to.equal(200);
  return { widgets: widgets.body, gadgets: gadgets.body };
}

/** The object the API returned for a write, as it must read after the restart. */
function expectSurvived(name: string, h: History, now: any): void {
  const last = h.acked[h.acked.length - 1];
  if (last === undefined) {
    // Only a create that was cut off: it may or may not have been committed.
    expect(h.inflight).to.equal('create');
    if (now) expect(now.metadata.labels).to.include({ step: 'create' });
    return;
  }
  if (isGone(last)) {
    expect(now, `${name} was deleted (acknowledged) and is back`).to.equal(undefined);
    return;
  }
  if (now === undefined) {
    // Only a delete cut off mid-way may have removed an acknowledged object.
    expect(h.inflight, `acknowledged ${last.op} of ${name} at ${rv(last.object)} is lost`).to.equal('delete');
    return;
  }
  expect(now.metadata.uid, `${name} uid`).to.equal(last.object.metadata.uid);
  expect(now.metadata.creationTimestamp).to.equal(last.object.metadata.creationTimestamp);
  if (rv(now) === rv(last.object)) {
    expect(now, `${name} as acknowledged`).to.deep.equal(last.object);
    return;
  }
  // Newer than the last acknowledgement: the write cut off by the kill was committed.
  expect(rv(now), `${name} went back in time`).to.be.greaterThan(rv(last.object));
  expect(h.inflight, `${name} changed by no write`).to.be.a('string');
  if (h.inflight === 'update') expect(now.spec.replicas).to.equal(2);
  if (h.inflight === 'status') expect(now.status.replicas).to.equal(2);
  if (h.inflight === 'delete') expect(now.metadata.deletionTimestamp).to.be.a('string');
}

/** A delete answered with an object that has no finalizers left: it is gone. */
function isGone(a: { op: Op; object: any }): boolean {
  return a.op === 'delete' && !(a.object.metadata.finalizers?.length > 0);
}

function widget(name: string, finalizers?: string[]) {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, labels: { step: 'create' }, ...(finalizers ? { finalizers } : {}) },
    spec: { color: 'green', replicas: 1 },
  };
}

/**
 * WORKERS writers, each on its own objects: create, update spec, update status, and for some
 * delete (some of those kept by a finalizer). The server is SIGKILLed once ACKS_BEFORE_KILL
 * writes were acknowledged; the write each worker had in flight is remembered.
 */
async function burstThenKill(server: ServerProcess, client: HttpsClient) {
  const histories = new Map<string, History>();
  const unexpected: string[] = [];
  let acks = 0;
  let inflightAtKill = -1;
  let inflight = 0;
  let killing: ReturnType<ServerProcess['kill']> | undefined;

  /** Sends one write; resolves to its answer's object, or undefined once the server is gone. */
  async function write(h: History, op: Op, send: () => ReturnType<HttpsClient['call']>): Promise<any> {
    if (killing) return undefined;
    h.inflight = op;
    inflight++;
    let reply;
    try {
      reply = await send();
    } catch {
      return undefined; // the connection died with the server: outcome unknown, still in flight
    } finally {
      inflight--;
    }
    if (reply.status < 200 || reply.status > 299) {
      unexpected.push(`${op}: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
      return undefined;
    }
    // Answers that were on their way when the kill was decided are acknowledgements all the same.
    h.inflight = undefined;
    h.acked.push({ op, object: reply.body });
    if (++acks === ACKS_BEFORE_KILL) {
      inflightAtKill = inflight;
      killing = server.kill();
    }
    return reply.body;
  }

  async function worker(w: number): Promise<void> {
    for (let i = 0; !killing; i++) {
      const name = `w${w}-${i}`;
      const h: History = { acked: [] };
      histories.set(name, h);
      const kept = i % 4 === 1 ? ['demo.example.com/keep'] : undefined;
      let obj = await write(h, 'create', () => client.call('POST', WIDGETS, widget(name, kept)));
      if (!obj) return;
      obj = await write(h, 'update', () =>
        client.call('PUT', `${WIDGETS}/${name}`, { ...obj, metadata: { ...obj.metadata, labels: { step: 'update' } }, spec: { ...obj.spec, replicas: 2 } }),
      );
      if (!obj) return;
      obj = await write(h, 'status', () => client.call('PUT', `${WIDGETS}/${name}/status`, { ...obj, status: { replicas: 2 } }));
      if (!obj) return;
      if (i % 2 === 1 && !(await write(h, 'delete', () => client.call('DELETE', `${WIDGETS}/${name}`)))) return;
    }
  }

  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const exit = await (killing ?? server.kill());
  // Objects whose only write never got out are no part of the story.
  for (const [name, h] of histories) if (h.acked.length === 0 && h.inflight === undefined) histories.delete(name);
  return { histories, unexpected, inflightAtKill, exit };
}
