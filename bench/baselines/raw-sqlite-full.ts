/**
 * The SQLite FULL baseline, in a child process like the kit: raw better-sqlite3 committing
 * one `synchronous=FULL` transaction (one WAL sync) per insert, as fast as one caller can, into
 * a log table shaped like the store's, with values shaped like the kit's stored objects.
 * Approach taken from bench/sqlite-group-commit.bench.ts.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { announceReady, serveParent } from '../support/child-protocol.js';
import { storedWidgetJson } from '../support/widget-body.js';

serveParent({
  run(m: { path: string; ms: number }) {
    const db = new Database(m.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, created INTEGER NOT NULL,
      deleted INTEGER NOT NULL, prev_revision INTEGER NOT NULL, value TEXT);
      CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id, deleted);`);
    const insert = db.prepare('INSERT INTO log (key, created, deleted, prev_revision, value) VALUES (?, 1, 0, 0, ?)');
    const tx = db.transaction((key: string, value: string) => insert.run(key, value));
    const started = performance.now();
    const deadline = started + m.ms;
    const base = Date.now();
    let n = 0;
    while (performance.now() < deadline) {
      const name = `raw-${base}-${n}`;
      tx.immediate(`/demo.example.com/widgets/default/${name}`, storedWidgetJson(name, randomUUID(), n + 1));
      n++;
    }
    const seconds = (performance.now() - started) / 1000;
    db.close();
    return { writes: n, seconds, perSecond: n / seconds };
  },
});
announceReady({});
