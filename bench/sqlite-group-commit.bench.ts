/**
 * Group commit on SQLite with synchronous=FULL: how many writes per second the store takes
 * from many concurrent callers, against raw better-sqlite3 committing (and so syncing) one
 * transaction per insert, measured in the same run on the same disk.
 *
 *   npx tsx bench/sqlite-group-commit.bench.ts [--seconds S] [--callers N] [--dir DIR]
 *
 * Prints one line per measurement and the ratio line
 *   ratio sqlite-full-grouped-vs-raw-full VALUE target >=1.0
 * Runs about 4 x S seconds (default S = 1.5). DIR defaults to the OS temp directory; on tmpfs
 * an fsync costs nothing and the ratio says little.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteObjectStore, type SqliteObjectStoreOptions } from '../src/adapters/storage/sqlite/sqlite-object-store.js';
import type { KubeObject } from '../src/domain/meta/types.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '1.5' }, callers: { type: 'string', default: '64' }, dir: { type: 'string' } },
});
const seconds = Number(values.seconds);
const callers = Number(values.callers);
const root = mkdtempSync(join(values.dir ?? tmpdir(), 'sqlite-group-commit-bench-'));

function widget(name: string): KubeObject {
  return {
    apiVersion: 'demo.example.com/v1',
    kind: 'Widget',
    metadata: { name, namespace: 'default', uid: '6f1c2a9e-3b1d-4d7e-9d0c-1f2e3a4b5c6d', labels: { app: 'bench' } },
    spec: { size: 3, text: 'x'.repeat(200) },
  };
}

/** One FULL transaction (one WAL sync) per insert, the same table shape and JSON work as the store. */
function rawFull(path: string): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, created INTEGER NOT NULL,
    deleted INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value TEXT);
    CREATE INDEX log_key_id ON log (key, id, deleted);`);
  const insert = db.prepare('INSERT INTO log (key, created, deleted, prev_revision, value) VALUES (?, 1, 0, 0, ?)');
  const tx = db.transaction((key: string, value: string) => insert.run(key, value));
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let n = 0;
  while (performance.now() < deadline) {
    const name = `w${n}`;
    tx.immediate(`/demo.example.com/widgets/default/${name}`, JSON.stringify(widget(name)));
    n++;
  }
  const rate = n / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

/** `callers` concurrent callers creating objects through the store until the deadline. */
async function store(path: string, opts: Partial<SqliteObjectStoreOptions>): Promise<number> {
  const s = new SqliteObjectStore({ path, ...opts });
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const name = `c${c}-${i}`;
        await s.create(`/demo.example.com/widgets/default/${name}`, widget(name));
        n++;
      }
    }),
  );
  const rate = n / ((performance.now() - started) / 1000);
  await s.close();
  return rate;
}

try {
  const raw = rawFull(join(root, 'raw.db'));
  console.log(`raw-full-one-transaction-per-insert ${raw.toFixed(0)} writes/s`);
  const ungrouped = await store(join(root, 'ungrouped.db'), { synchronous: 'FULL', maxBatchSize: 1 });
  console.log(`sqlite-full-ungrouped (maxBatchSize 1, ${callers} callers) ${ungrouped.toFixed(0)} writes/s`);
  const grouped = await store(join(root, 'grouped.db'), { synchronous: 'FULL' });
  console.log(`sqlite-full-grouped (${callers} callers) ${grouped.toFixed(0)} writes/s`);
  const normal = await store(join(root, 'normal.db'), { synchronous: 'NORMAL' });
  console.log(`sqlite-normal-grouped (${callers} callers) ${normal.toFixed(0)} writes/s`);
  console.log(`ratio sqlite-full-grouped-vs-raw-full ${(grouped / raw).toFixed(2)} target >=1.0`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
