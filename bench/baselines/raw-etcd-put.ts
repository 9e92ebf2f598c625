/**
 * The etcd baseline, in a child process like the kit: the etcd3 client putting the kit-shaped
 * object under a fresh key, `inFlight` puts outstanding at any time, until the time is up.
 * Also fills etcd with objects for the scaling charts (see restored-objects.ts).
 */
import { Etcd3 } from 'etcd3';
import { announceReady, serveParent } from '../support/child-protocol.js';
import { summarize, SampleBuffer } from '../support/latency-stats.js';
import { randomUUID } from 'node:crypto';
import { type KubeLike, restoredObject, widgetKey } from '../support/restored-objects.js';
import { storedWidgetJson } from '../support/widget-body.js';

let client: Etcd3 | undefined;
/** Across rounds: every put writes a new key, as every create does. */
let seq = 0;

serveParent(
  {
    /** Restores obj-from .. obj-(to-1) (copies of `template`) under the kit's key prefix. */
    async fill(m: { endpoints: string[]; prefix: string; template: KubeLike; from: number; to: number }) {
      client ??= new Etcd3({ hosts: m.endpoints });
      // 128 puts per transaction (etcd's default limit of operations per txn): a round trip
      // and a commit per object would make 100k objects take most of a minute.
      const PER_TXN = 128;
      let next = m.from;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < m.to) {
            const first = next;
            next = Math.min(m.to, next + PER_TXN);
            const batch = client!.if(`${m.prefix}/bench-fill-never`, 'Create', '==', 0);
            const puts = [];
            for (let i = first; i < next; i++) {
              const name = `obj-${i}`;
              puts.push(client!.put(`${m.prefix}${widgetKey(name)}`).value(JSON.stringify(restoredObject(m.template, name))));
            }
            await batch.then(...puts).commit();
          }
        }),
      );
      return { filled: m.to - m.from };
    },
    /**
     * Puts for `ms`. With `txn`, each write is the transaction a store's create is (put only
     * if the key was never created, else read it), to tell etcd's cost of that from the kit's.
     */
    async run(m: { endpoints: string[]; prefix: string; ms: number; inFlight: number; txn?: boolean }) {
      client ??= new Etcd3({ hosts: m.endpoints });
      // One warm-up put: the gRPC channel connects lazily.
      await client.put(`${m.prefix}/warmup`).value(storedWidgetJson('warmup', randomUUID(), 1));
      const latencies = new SampleBuffer();
      const started = performance.now();
      const deadline = started + m.ms;
      await Promise.all(
        Array.from({ length: m.inFlight }, async () => {
          while (performance.now() < deadline) {
            const n = seq++;
            const t0 = performance.now();
            // Serialized per put, as the kit serializes per create.
            const key = `${m.prefix}/widgets/default/raw-${n}`;
            const value = storedWidgetJson(`raw-${n}`, randomUUID(), n + 1);
            if (m.txn) {
              await client!.if(key, 'Create', '==', 0).then(client!.put(key).value(value)).else(client!.get(key)).commit();
            } else {
              await client!.put(key).value(value);
            }
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      return { writes: latencies.length, seconds, perSecond: latencies.length / seconds, latency: summarize(latencies.values()) };
    },
  },
  () => client?.close(),
);
announceReady({});
