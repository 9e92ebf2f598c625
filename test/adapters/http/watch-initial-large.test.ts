/**
 * A watch from resourceVersion 0 (or with sendInitialEvents) over many more objects than the
 * slow-watcher bound: the initial events come from the snapshot as the client reads them, so
 * the watch works on 100k objects, over a real socket, on the memory and SQLite stores.
 */
import { expect } from 'chai';
import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { SqliteObjectStore } from '../../../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { ObjectStore } from '../../../src/ports/object-store.port.js';
import { Widget } from '../../../examples/demo/widget.resource.js';

const COUNT = 100_000;
const PATH = '/apis/demo.example.com/v1/namespaces/default/widgets';

async function fill(store: ObjectStore): Promise<void> {
  const batch = 2_000;
  for (let start = 0; start < COUNT; start += batch) {
    const writes: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(COUNT, start + batch); i++) {
      const name = `w-${String(i).padStart(6, '0')}`;
      writes.push(
        store.create(`/demo.example.com/widgets/default/${name}`, {
          apiVersion: 'demo.example.com/v1',
          kind: 'Widget',
          metadata: { name, namespace: 'default', uid: `uid-${i}`, creationTimestamp: '2026-12-01T00:00:00Z', generation: 1 },
          spec: { color: 'red', replicas: 1 },
        }),
      );
    }
    await Promise.all(writes);
  }
}

interface WatchReading {
  added: number;
  firstNames: string[];
  after: Array<{ type: string; name?: string; annotations?: Record<string, string>; rv?: string }>;
}

/**
 * Reads a watch stream line by line: counts the ADDED events of the initial state, then keeps
 * the events after them until `stopAfter` of those arrived; `onInitialDone` runs once the
 * initial events are all in.
 */
function readWatch(url: string, query: string, stopAfter: number, onInitialDone: () => void): Promise<WatchReading> {
  return new Promise((resolve, reject) => {
    const reading: WatchReading = { added: 0, firstNames: [], after: [] };
    let buffered = '';
    let done = false;
    const req = request(`${url}${PATH}?${query}`, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (done) return;
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line === '') continue;
          const event = JSON.parse(line) as { type: string; object: { metadata: { name?: string; annotations?: Record<string, string>; resourceVersion?: string } } };
          if (event.type === 'ADDED' && reading.after.length === 0 && reading.added < COUNT) {
            reading.added++;
            if (reading.firstNames.length < 3) reading.firstNames.push(event.object.metadata.name as string);
            if (reading.added === COUNT) onInitialDone();
            continue;
          }
          const m = event.object.metadata;
          reading.after.push({ type: event.type, name: m.name, annotations: m.annotations, rv: m.resourceVersion });
          if (reading.added === COUNT && reading.after.length === 0) onInitialDone();
          if (reading.after.length >= stopAfter) {
            done = true;
            req.destroy();
            resolve(reading);
            return;
          }
        }
      });
      res.on('error', (err) => {
        if (!done) reject(err);
      });
      res.on('end', () => {
        if (!done) reject(new Error(`the watch ended after ${reading.added} ADDED and ${reading.after.length} later events`));
      });
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    req.end();
  });
}

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`watch from resourceVersion 0 over HTTP on ${COUNT / 1000}k objects (${kind})`, function () {
    this.timeout(180_000);
    let dir: string | undefined;
    let server: ApiServer;
    let url: string;

    before(async () => {
      let store: ObjectStore;
      if (kind === 'sqlite') {
        dir = mkdtempSync(join(tmpdir(), 'kit-watch-100k-'));
        store = new SqliteObjectStore({ path: join(dir, 'db.sqlite') });
      } else {
        store = new MemoryObjectStore();
      }
      await fill(store);
      server = new ServerBuilder().withStorage(store).withResource(Widget).withInsecureServing().withBindPort(0).build();
      ({ url } = await server.start());
    });
    after(async () => {
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('sends every object as ADDED, then the live changes', async () => {
      const client = server.client().resource(Widget, 'default');
      const reading = await readWatch(url, 'watch=true&resourceVersion=0', 1, () => {
        void client.mergePatch('w-000007', { spec: { color: 'blue' } });
      });
      expect(reading.added).to.equal(COUNT);
      expect(reading.firstNames).to.deep.equal(['w-000000', 'w-000001', 'w-000002']);
      expect(reading.after).to.deep.include({ type: 'MODIFIED', name: 'w-000007', annotations: undefined, rv: reading.after[0].rv });
    });

    it('with sendInitialEvents, ends the initial events with the initial-events-end bookmark', async () => {
      const listed = await server.client().resource(Widget, 'default').list({ limit: 1 });
      const reading = await readWatch(
        url,
        'watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan',
        1,
        () => undefined,
      );
      expect(reading.added).to.equal(COUNT);
      expect(reading.after[0].type).to.equal('BOOKMARK');
      expect(reading.after[0].annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true' });
      expect(Number(reading.after[0].rv)).to.be.at.least(Number(listed.metadata.resourceVersion));
    });
  });
}
