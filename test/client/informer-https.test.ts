/**
 * An informer over HTTPS against a kit server on SQLite, through a TCP relay the test can cut:
 * 1,000 writes from four concurrent writers, a dropped watch held back until its history is
 * compacted (a 410 re-list), and the server restarted on the same file and port. Every handler
 * (one of them slow) sees each object's changes in order, every change while the watch holds,
 * and the lister ends identical to a final list.
 */
import { expect } from 'chai';
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { SqliteObjectStore } from '../../src/adapters/storage/sqlite/sqlite-object-store.js';
import { connect, type Client } from '../../src/adapters/http-client/index.js';
import { informer, keyOf, type Informer } from '../../src/adapters/http-client/informer.js';
import { waitFor } from '../../src/testing/wait-for.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import { Widget } from '../../examples/demo/widget.resource.js';

const TOKEN = 'informer-token';
const HISTORY = 100;

/** A TCP relay to the server: cut() drops every connection; hold() keeps new ones waiting. */
class Relay {
  private readonly sockets = new Set<net.Socket>();
  private held: Array<() => void> | undefined;
  private server!: net.Server;
  port = 0;

  constructor(private readonly target: () => number) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      client.pause();
      const link = () => {
        if (client.destroyed) return;
        const upstream = net.connect(this.target(), '127.0.0.1');
        this.sockets.add(upstream);
        upstream.on('close', () => {
          this.sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      };
      if (this.held) this.held.push(link);
      else link();
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const link of held) link();
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.release();
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}

type W = KubeObject & { spec: { color: string; replicas: number } };
/** A change as a handler saw it; `unknown`: a deletion found by a re-list, with the last state known. */
type Seen = { type: 'add' | 'update' | 'delete'; rv: number; unknown?: true };

const rv = (o: KubeObject) => Number(o.metadata.resourceVersion);

/** A handler that records, per object, what it saw; `delayMs` makes it slow. */
function recordingHandler(delayMs: number) {
  const seen = new Map<string, Seen[]>();
  const push = (o: KubeObject, type: Seen['type'], unknown = false) => {
    const k = keyOf(o);
    if (!seen.has(k)) seen.set(k, []);
    seen.get(k)!.push(unknown ? { type, rv: rv(o), unknown } : { type, rv: rv(o) });
  };
  const pause = () => (delayMs ? sleep(delayMs) : undefined);
  return {
    seen,
    handler: {
      onAdd: async (o: W) => (await pause(), push(o, 'add')),
      onUpdate: async (_old: W, o: W) => (await pause(), push(o, 'update')),
      onDelete: async (o: W, unknown: boolean) => (await pause(), push(o, 'delete', unknown)),
    },
  };
}

describe('informer over HTTPS: concurrent writers, a forced 410, a server restart', function () {
  this.timeout(90_000);
  let dir: string;
  let server: ApiServer | undefined;
  let port = 0;
  let ca = '';
  let relay: Relay;
  let watchClient: Client;
  let inf: Informer<W>;
  /** What the writers did, per object, from the server's answers. */
  const expected = new Map<string, Seen[]>();

  async function startServer(): Promise<void> {
    server = new ServerBuilder()
      .withOutputWriter({ write: () => true })
      .withStorage(new SqliteObjectStore({ path: join(dir, 'apiserver.db'), historyLimit: HISTORY }))
      .withCertDir(join(dir, 'certs'))
      .withBindPort(port)
      .withBearerToken(TOKEN)
      .withRegistryOptions({ bookmarkIntervalMs: 200 })
      .withResource(Widget)
      .build();
    const { url } = await server.start();
    port = Number(new URL(url).port);
    ca = server.caCertificate as string;
  }

  /** `writers` writers, `each` writes each, on objects of their own (create, patches, deletes, re-creates). */
  async function write(writers: number, each: number, round: string): Promise<void> {
    const client = connect({ url: `https://127.0.0.1:${port}`, token: TOKEN, ca });
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const ns = `ns-${w % 2}`;
        const widgets = client.resource(Widget, ns);
        const live = new Set<string>();
        for (let i = 0; i < each; i++) {
          const name = `w${w}-${i % 10}`;
          const key = `${ns}/${name}`;
          if (!expected.has(key)) expected.set(key, []);
          const log = expected.get(key)!;
          if (!live.has(name) && !(await exists(widgets, name))) {
            const made = await widgets.create({ metadata: { name, labels: { writer: `${w}`, round } }, spec: { color: 'red', replicas: 0 } });
            live.add(name);
            log.push({ type: 'add', rv: rv(made) });
          } else if (i % 7 === 3) {
            const gone = await widgets.delete(name);
            live.delete(name);
            log.push({ type: 'delete', rv: rv(gone) });
          } else {
            live.add(name);
            const changed = await widgets.mergePatch(name, { metadata: { labels: { round } }, spec: { replicas: i % 9 } });
            // A patch that changes nothing is not written: no new resourceVersion, no event.
            if (rv(changed) !== log.at(-1)?.rv) log.push({ type: 'update', rv: rv(changed) });
          }
        }
      }),
    );
    client.close();
  }

  async function exists(widgets: ReturnType<Client['resource']>, name: string): Promise<boolean> {
    return widgets.get(name).then(
      () => true,
      () => false,
    );
  }

  async function finalList(): Promise<Map<string, number>> {
    const client = connect({ url: `https://127.0.0.1:${port}`, token: TOKEN, ca });
    const list = await client.resource(Widget).list();
    client.close();
    return new Map(list.items.map((o) => [keyOf(o), rv(o)]));
  }

  const listerState = () => new Map(inf.lister.list().map((o) => [keyOf(o), rv(o)]));

  /** Per object, what the handler saw in (from, to] of resourceVersions. */
  const window = (s: Seen[] | undefined, from: number, to: number) => (s ?? []).filter((e) => e.rv > from && e.rv <= to);

  const handlers = [recordingHandler(0), recordingHandler(0), recordingHandler(1)];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-informer-'));
    await startServer();
    relay = new Relay(() => port);
    await relay.start();
    watchClient = connect({ url: `https://127.0.0.1:${relay.port}`, token: TOKEN, ca });
    inf = informer(watchClient.resource(Widget), { pageSize: 7, initialBackoffMs: 50, maxBackoffMs: 400 }) as Informer<W>;
    for (const h of handlers) inf.addEventHandler(h.handler);
  });

  after(async () => {
    await inf?.stop();
    watchClient?.close();
    await relay?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every handler has caught up with the final list. */
  async function settled(): Promise<Map<string, number>> {
    const final = await finalList();
    await waitFor(
      () =>
        handlers.every((h) =>
          [...expected.keys()].every((k) => {
            const last = h.seen.get(k)?.at(-1);
            if (final.has(k)) return last?.rv === final.get(k) && last?.type !== 'delete';
            return !last || last.type === 'delete';
          }),
        ),
      { timeoutMs: 30_000, what: 'every handler at the final list' },
    );
    expect(listerState()).to.deep.equal(final);
    for (const h of handlers) {
      for (const [k, s] of h.seen) {
        const rvs = s.filter((e) => !e.unknown).map((e) => e.rv);
        expect(rvs, `${k}: resourceVersions in order`).to.deep.equal([...rvs].sort((a, b) => a - b));
        expect(new Set(rvs).size, `${k}: no change twice`).to.equal(rvs.length);
      }
    }
    return final;
  }

  it('1,000 writes from four writers: the lister matches the final list, each handler saw every change in order', async () => {
    inf.start();
    await inf.waitForSync();
    await write(4, 250, 'one');
    await settled();
    for (const h of handlers) {
      for (const [k, log] of expected) expect(h.seen.get(k) ?? [], k).to.deep.equal(log);
    }
    expect(inf.stats).to.include({ lists: 1, expired: 0 });
  });

  it('a watch dropped and held back past the history re-lists on 410 and replaces the cache', async () => {
    const before = Number(inf.resourceVersion);
    const watches = inf.stats.watches;
    relay.hold();
    relay.cut();
    await write(4, 40, 'two');
    await write(2, HISTORY, 'two');
    await waitFor(() => inf.stats.errors > 0 && inf.stats.watches === watches, { what: 'the informer to lose its watch' });
    relay.release();
    await waitFor(() => inf.stats.expired === 1 && inf.stats.lists === 2, { timeoutMs: 20_000, what: 'a 410 and a re-list' });
    const final = await settled();
    // What happened while the watch was gone is seen as its result: each handler's last word on
    // each object is the final list's, and it saw nothing the writers did not do.
    for (const h of handlers) {
      for (const [k, log] of expected) {
        const writes = new Set(log.map((e) => e.rv));
        for (const e of window(h.seen.get(k), before, Infinity)) {
          if (e.type !== 'delete') expect(writes.has(e.rv), `${k} at ${e.rv}`).to.equal(true);
        }
        if (final.has(k)) expect(h.seen.get(k)!.at(-1)!.rv).to.equal(final.get(k));
      }
    }
  });

  it('the server restarted on the same file and port: the informer resumes without a re-list and misses nothing', async () => {
    const lists = inf.stats.lists;
    const from = Number(inf.resourceVersion);
    await server!.stop();
    server = undefined;
    await sleep(300);
    const watches = inf.stats.watches;
    await startServer();
    // Writes start once the informer watches the new server (as long as it is down, its
    // retries back off up to maxBackoffMs).
    await waitFor(() => inf.stats.watches > watches, { what: 'a watch on the restarted server' });
    await write(4, 50, 'three');
    await settled();
    for (const h of handlers) {
      for (const [k, log] of expected) expect(window(h.seen.get(k), from, Infinity), k).to.deep.equal(window(log, from, Infinity));
    }
    expect(inf.stats.lists).to.equal(lists);
    expect(inf.stats.bookmarks).to.be.greaterThan(0);
  });
});
