/**
 * EtcdStoreWatch against scripted etcd watch streams: the paths a live etcd reaches only by
 * chance (a stream lost between events, compaction reported mid-stream, a silent member).
 */
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { IEvent, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import { EtcdCompactionPoint } from '../../../src/adapters/storage/etcd/etcd-compaction-point.js';
import { EtcdKeySpace } from '../../../src/adapters/storage/etcd/etcd-key-space.js';
import { EtcdStoreWatch, type WatchStream } from '../../../src/adapters/storage/etcd/etcd-store-watch.js';
import { isStorageError, type StoreEvent, type StoreWatchSink } from '../../../src/ports/object-store.port.js';
import { waitFor } from '../../support/wait-for.js';

const PREFIX = '/reg';
const NS = '/g/r/ns/';

class FakeStream extends EventEmitter {
  readonly requests: IWatchRequest[] = [];
  cancelled = false;

  write(req: IWatchRequest): void {
    this.requests.push(req);
  }

  end(): void {
    this.cancelled = true;
  }

  cancel(): void {
    this.cancelled = true;
  }

  startRevision(): number {
    return Number(this.requests[0]?.create_request?.start_revision);
  }

  respond(res: Partial<IWatchResponse>): void {
    this.emit('data', {
      header: { cluster_id: '1', member_id: '1', revision: '0', raft_term: '1' },
      watch_id: '0',
      created: false,
      canceled: false,
      compact_revision: '0',
      cancel_reason: '',
      fragment: false,
      events: [],
      ...res,
    } satisfies IWatchResponse);
  }

  created(): void {
    this.respond({ created: true });
  }
}

class Recorder implements StoreWatchSink {
  readonly events: StoreEvent[] = [];
  readonly errors: Error[] = [];
  constructor(private readonly onEvent?: (e: StoreEvent) => void) {}
  event(e: StoreEvent): void {
    this.events.push(e);
    this.onEvent?.(e);
  }
  error(err: Error): void {
    this.errors.push(err);
  }
}

function kv(name: string, create: number, mod: number, spec: unknown = {}): IKeyValue {
  const value = JSON.stringify({ apiVersion: 'v1', kind: 'W', metadata: { name }, spec });
  return {
    key: Buffer.from(`${PREFIX}${NS}${name}`),
    create_revision: String(create),
    mod_revision: String(mod),
    version: '1',
    value: Buffer.from(value),
    lease: '0',
  };
}

function put(name: string, create: number, mod: number, prev?: IKeyValue): IEvent {
  return { type: 'Put', kv: kv(name, create, mod, { mod }), prev_kv: prev as IKeyValue };
}

describe('EtcdStoreWatch', () => {
  let streams: FakeStream[];
  let compaction: EtcdCompactionPoint;
  let ended: number;

  beforeEach(() => {
    streams = [];
    ended = 0;
    compaction = new EtcdCompactionPoint({ readable: async () => true, current: async () => 0 });
  });

  function newWatch(from: number, sink: StoreWatchSink, startTimeoutMs = 1000): EtcdStoreWatch {
    return new EtcdStoreWatch(
      {
        openStream: async () => {
          const s = new FakeStream();
          streams.push(s);
          return s as unknown as WatchStream;
        },
        keys: new EtcdKeySpace(PREFIX),
        compaction,
        startTimeoutMs,
        onEnd: () => ended++,
      },
      NS,
      from,
      sink,
    );
  }

  async function started(from: number, sink: StoreWatchSink): Promise<EtcdStoreWatch> {
    const w = newWatch(from, sink);
    const starting = w.start();
    await until(() => streams.length === 1 && streams[0]!.requests.length === 1);
    streams[0]!.created();
    await starting;
    return w;
  }

  it('asks etcd for the prefix range after fromRevision with previous values and progress notifications', async () => {
    await started(10, new Recorder());
    const create = streams[0]!.requests[0]!.create_request!;
    expect(create.key?.toString()).to.equal(`${PREFIX}${NS}`);
    expect(create.range_end?.toString()).to.equal(`${PREFIX}/g/r/ns0`);
    expect(create).to.include({ start_revision: 11, prev_kv: true, progress_notify: true });
  });

  it('maps puts and deletions to events and moves progress with events and notifications', async () => {
    const rec = new Recorder();
    const w = await started(10, rec);
    const a11 = kv('a', 11, 11, { mod: 11 });
    streams[0]!.respond({ events: [put('a', 11, 11)], header: { revision: '11' } as IWatchResponse['header'] });
    streams[0]!.respond({ events: [put('a', 11, 12, a11)] });
    const a12 = kv('a', 11, 12, { mod: 12 });
    streams[0]!.respond({ events: [{ type: 'Delete', kv: { ...kv('a', 0, 13), value: Buffer.alloc(0) }, prev_kv: a12 }] });
    expect(rec.events.map((e) => [e.type, e.key, e.revision])).to.deep.equal([
      ['ADDED', `${NS}a`, 11],
      ['MODIFIED', `${NS}a`, 12],
      ['DELETED', `${NS}a`, 13],
    ]);
    expect(rec.events[1]!.prevObject?.metadata.resourceVersion).to.equal('11');
    expect(rec.events[2]!.object).to.deep.equal({ apiVersion: 'v1', kind: 'W', metadata: { name: 'a', resourceVersion: '13' }, spec: { mod: 12 } });
    expect(w.progress()).to.equal(13);
    streams[0]!.respond({ header: { revision: '20' } as IWatchResponse['header'] });
    expect(w.progress()).to.equal(20);
    w.stop();
    expect(ended).to.equal(1);
  });

  it('resumes on a new stream after the last delivered revision when its stream breaks', async () => {
    const rec = new Recorder();
    const w = await started(10, rec);
    streams[0]!.respond({ events: [put('a', 11, 11), put('b', 12, 12)] });
    streams[0]!.emit('error', new Error('14 UNAVAILABLE: Connection dropped'));
    await until(() => streams.length === 2 && streams[1]!.requests.length === 1);
    expect(streams[0]!.cancelled).to.equal(true);
    expect(streams[1]!.startRevision()).to.equal(13);
    // A created answer's header is etcd's current revision, not what this watch delivered.
    streams[1]!.respond({ created: true, header: { revision: '99' } as IWatchResponse['header'] });
    expect(w.progress()).to.equal(12);
    // A late answer on the old stream is ignored.
    streams[0]!.respond({ events: [put('z', 99, 99)] });
    streams[1]!.respond({ events: [put('c', 13, 13)] });
    expect(rec.events.map((e) => e.revision)).to.deep.equal([11, 12, 13]);
    expect(rec.errors).to.deep.equal([]);
    streams[1]!.emit('end');
    await until(() => streams.length === 3 && streams[2]!.requests.length === 1);
    expect(streams[2]!.startRevision()).to.equal(14);
    w.stop();
  });

  it('ends with Expired, and learns the compaction point, when etcd reports compaction mid-stream', async () => {
    const rec = new Recorder();
    await started(10, rec);
    streams[0]!.respond({ canceled: true, compact_revision: '40' });
    expect(rec.errors).to.have.length(1);
    expect(isStorageError(rec.errors[0], 'Expired')).to.equal(true);
    expect((rec.errors[0] as { revision?: number }).revision).to.equal(40);
    expect(compaction.lowerBound).to.equal(40);
    expect(streams[0]!.cancelled).to.equal(true);
    expect(ended).to.equal(1);
  });

  it('rejects the start with Expired when etcd reports compaction before creating the watch', async () => {
    const rec = new Recorder();
    const w = newWatch(10, rec);
    const starting = w.start();
    await until(() => streams.length === 1);
    streams[0]!.respond({ canceled: true, compact_revision: '15' });
    try {
      await starting;
      expect.fail('expected Expired');
    } catch (err) {
      expect(isStorageError(err, 'Expired')).to.equal(true);
    }
    expect(rec.errors).to.deep.equal([]);
  });

  it('rejects the start with Unavailable when no member creates the watch in time, and keeps no stream', async () => {
    const w = newWatch(10, new Recorder(), 150);
    const starting = w.start();
    await until(() => streams.length === 1);
    streams[0]!.emit('error', new Error('14 UNAVAILABLE: No connection established'));
    try {
      await starting;
      expect.fail('expected Unavailable');
    } catch (err) {
      expect(isStorageError(err, 'Unavailable'), String(err)).to.equal(true);
    }
    const opened = streams.length;
    expect(streams.every((s) => s.cancelled)).to.equal(true);
    // The point: no stream is opened again afterwards, given time to (a retry waits far less).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streams.length).to.equal(opened);
  });

  it('ends only its own watch when its sink throws, passing the error to the sink once', async () => {
    const rec = new Recorder(() => {
      throw new Error('bad sink');
    });
    await started(10, rec);
    streams[0]!.respond({ events: [put('a', 11, 11), put('b', 12, 12)] });
    expect(rec.events).to.have.length(1);
    expect(rec.errors.map((e) => e.message)).to.deep.equal(['bad sink']);
    expect(streams[0]!.cancelled).to.equal(true);
  });

  it('delivers nothing more once stopped from inside the sink', async () => {
    let w: EtcdStoreWatch | undefined;
    const rec = new Recorder(() => w?.stop());
    w = await started(10, rec);
    streams[0]!.respond({ events: [put('a', 11, 11), put('b', 12, 12)] });
    streams[0]!.respond({ events: [put('c', 13, 13)] });
    expect(rec.events.map((e) => e.revision)).to.deep.equal([11]);
    expect(rec.errors).to.deep.equal([]);
  });
});

const until = (condition: () => boolean): Promise<unknown> => waitFor(condition, { timeoutMs: 2000, intervalMs: 1 });
