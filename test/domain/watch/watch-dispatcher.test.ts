import { expect } from 'chai';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { ApiError, expired } from '../../../src/domain/errors/api-error.js';
import type { KubeObject, StatusObject, WatchEvent } from '../../../src/domain/meta/types.js';
import { startWatch, type WatchPlan } from '../../../src/domain/watch/watch-dispatcher.js';
import type { StoreWatch } from '../../../src/ports/object-store.port.js';
import type { WatchStream } from '../../../src/ports/resource-api.port.js';
import { ManualClock } from '../../support/manual-clock.js';

const PREFIX = '/g/things/';

function thing(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'g/v1', kind: 'Thing', metadata: { name, labels } };
}

/** A real memory store, and a plan over it whose store watch records when it is stopped. */
async function setup(count: number, overrides: Partial<WatchPlan> = {}) {
  const store = new MemoryObjectStore();
  for (let i = 0; i < count; i++) await store.create(`${PREFIX}t${i}`, thing(`t${i}`, { n: String(i % 2) }));
  const snapshot = await store.list(PREFIX);
  const clock = new ManualClock();
  const watches: { stopped: boolean }[] = [];
  const plan: WatchPlan = {
    fromRevision: snapshot.revision,
    initial: snapshot.items,
    matches: () => true,
    initialEventsEnd: false,
    subscribe: async (from, sink) => {
      const inner = await store.watch(PREFIX, from, sink);
      const record = { stopped: false };
      watches.push(record);
      const w: StoreWatch = {
        progress: () => inner.progress(),
        stop: () => {
          record.stopped = true;
          inner.stop();
        },
      };
      return w;
    },
    transform: (e) => ({ type: e.type, object: e.object }),
    bookmark: (revision, end) => ({
      type: 'BOOKMARK',
      object: { apiVersion: 'g/v1', kind: 'Thing', metadata: { resourceVersion: String(revision), ...(end ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) } },
    }),
    storeError: () => expired('gone'),
    queueLimit: 3,
    clock,
    ...overrides,
  };
  return { store, clock, plan, watches, snapshot };
}

async function read(stream: WatchStream, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  const it = stream[Symbol.asyncIterator]();
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

const label = (e: WatchEvent): string => `${e.type}:${(e.object as KubeObject).metadata.name ?? (e.object as KubeObject).metadata.resourceVersion}`;

describe('watch dispatcher', () => {
  it('serves a snapshot far larger than the live bound, then the end marker, then live events', async () => {
    const { store, plan, snapshot } = await setup(50, { initialEventsEnd: true });
    const stream = await startWatch(plan);
    await store.create(`${PREFIX}late`, thing('late'));
    const events = await read(stream, 52);
    expect(events.slice(0, 50).every((e) => e.type === 'ADDED')).to.equal(true);
    expect(label(events[50])).to.equal(`BOOKMARK:${snapshot.revision}`);
    expect((events[50].object as KubeObject).metadata.annotations).to.deep.equal({ 'k8s.io/initial-events-end': 'true' });
    expect(label(events[51])).to.equal('ADDED:late');
    stream.close();
  });

  it('applies the selector to the snapshot as it is read', async () => {
    const { plan } = await setup(6, { matches: (o) => o.metadata.labels?.n === '1' });
    const stream = await startWatch(plan);
    const events = await read(stream, 3);
    expect(events.map(label)).to.deep.equal(['ADDED:t1', 'ADDED:t3', 'ADDED:t5']);
    stream.close();
  });

  it('ends a watcher whose live events overflow the bound with a 410 ERROR, and stops its store watch', async () => {
    const { store, plan, watches } = await setup(0);
    const stream = await startWatch(plan);
    for (let i = 0; i < 5; i++) await store.create(`${PREFIX}x${i}`, thing(`x${i}`));
    const events = await read(stream, 10);
    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'ADDED', 'ADDED', 'ERROR']);
    expect((events[3].object as StatusObject).code).to.equal(410);
    expect(watches[0].stopped).to.equal(true);
  });

  it('sends bookmarks at the interval: at the progress made, or on a quiet watch', async () => {
    const { store, plan, clock, snapshot } = await setup(1, { initial: undefined, bookmarkIntervalMs: 1000 });
    const stream = await startWatch(plan);
    const it = stream[Symbol.asyncIterator]();
    clock.advance(1000);
    expect(label((await it.next()).value)).to.equal(`BOOKMARK:${snapshot.revision}`);
    const created = await store.create(`${PREFIX}y`, thing('y'));
    expect(label((await it.next()).value)).to.equal('ADDED:y');
    clock.advance(1000);
    expect(label((await it.next()).value)).to.equal(`BOOKMARK:${created.metadata.resourceVersion}`);
    stream.close();
  });

  it('ends at the timeout, also in the middle of the snapshot, and stops the store watch', async () => {
    const { plan, clock, watches } = await setup(5, { timeoutMs: 5000 });
    const stream = await startWatch(plan);
    const it = stream[Symbol.asyncIterator]();
    expect(label((await it.next()).value)).to.equal('ADDED:t0');
    clock.advance(5000);
    expect((await it.next()).done).to.equal(true);
    expect(watches[0].stopped).to.equal(true);
  });

  it('stops when the client goes away', async () => {
    const controller = new AbortController();
    const { plan, watches } = await setup(2, { signal: controller.signal });
    const stream = await startWatch(plan);
    controller.abort();
    expect((await stream[Symbol.asyncIterator]().next()).done).to.equal(true);
    expect(watches[0].stopped).to.equal(true);
  });

  it('passes a store watch that cannot start to the caller, and holds nothing', async () => {
    const { plan, clock } = await setup(2, {
      bookmarkIntervalMs: 1000,
      subscribe: () => Promise.reject(expired('too old resource version')),
    });
    let thrown: unknown;
    try {
      await startWatch(plan);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(ApiError);
    expect((thrown as ApiError).code).to.equal(410);
    clock.advance(10_000);
  });

  it('reports a store watch that fails later as one ERROR event, then ends', async () => {
    const { store, plan } = await setup(0, { storeError: () => new ApiError('ServiceUnavailable', 503, 'storage went away') });
    const stream = await startWatch(plan);
    await store.close();
    const events = await read(stream, 5);
    expect(events.map((e) => e.type)).to.deep.equal(['ERROR']);
    expect((events[0].object as StatusObject).message).to.equal('storage went away');
  });
});
