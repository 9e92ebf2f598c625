import type { Database as Db, Statement } from 'better-sqlite3';

/** The newest row of one key. */
export interface LatestRow {
  id: number;
  deleted: number;
  value: string | null;
}

/** A log row with the value of the row before it (its prev_revision), for watch events. */
export interface ChangeRow {
  id: number;
  key: string;
  created: number;
  deleted: number;
  prevRevision: number;
  value: string | null;
  /** Whether the row at prevRevision still exists. */
  hasPrev: boolean;
  prevValue: string | null;
}

/**
 * Per key in [@low, @high), the newest row at or below @rev, skipping keys whose newest row is
 * a tombstone; key-ordered, at most @n rows (-1: all). The outer scan walks log_key_id in key
 * order, with no sort step, and reads `deleted` from the index; the NOT EXISTS probe is one
 * seek in the same index; only returned rows are read from the table. INDEXED BY pins that
 * plan: with statistics from ANALYZE, SQLite may otherwise pick a revision scan plus a sort.
 */
export const LIST_PAGE_SQL = `SELECT l.id, l.key, l.value FROM log AS l INDEXED BY log_key_id
  WHERE l.key >= @low AND l.key < @high AND l.id <= @rev AND l.deleted = 0
    AND NOT EXISTS (SELECT 1 FROM log AS m WHERE m.key = l.key AND m.id > l.id AND m.id <= @rev)
  ORDER BY l.key LIMIT @n`;

type RawChange = [number, string, number, number, number, string | null, number | null, string | null];

/** Every statement the store runs, prepared once per connection. */
export class LogStatements {
  private readonly seqStmt: Statement<[], number | undefined>;
  private readonly compactStmt: Statement<[], number | undefined>;
  private readonly setCompactStmt: Statement<[number]>;
  private readonly latestStmt: Statement<[string], LatestRow | undefined>;
  private readonly insertStmt: Statement<[string, number, number, number, string | null]>;
  private readonly pageStmt: Statement<[{ low: string; high: string; rev: number; n: number }], [number, string, string | null]>;
  private readonly changesStmt: Statement<[{ after: number; n: number }], RawChange>;
  private readonly rangeChangesStmt: Statement<[{ after: number; upTo: number; low: string; high: string; n: number }], RawChange>;
  private readonly compactPrevStmt: Statement<[{ from: number; to: number }]>;
  private readonly compactTombstonesStmt: Statement<[{ from: number; to: number }]>;
  private readonly dataVersionStmt: Statement<[], number>;
  private readonly liveBytesStmt: Statement<[], number>;

  constructor(db: Db) {
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.liveBytesStmt = db
      .prepare<[], number>(
        `SELECT coalesce(sum(length(CAST(l.value AS BLOB))), 0) FROM log AS l INDEXED BY log_key_id
          WHERE l.deleted = 0 AND NOT EXISTS (SELECT 1 FROM log AS m WHERE m.key = l.key AND m.id > l.id)`,
      )
      .pluck();
    this.seqStmt = db.prepare<[], number | undefined>(`SELECT seq FROM sqlite_sequence WHERE name = 'log'`).pluck();
    this.compactStmt = db.prepare<[], number | undefined>(`SELECT value FROM meta WHERE name = 'compact_revision'`).pluck();
    this.setCompactStmt = db.prepare<[number]>(`UPDATE meta SET value = ? WHERE name = 'compact_revision'`);
    this.latestStmt = db.prepare<[string], LatestRow | undefined>(
      `SELECT id, deleted, value FROM log WHERE key = ? ORDER BY id DESC LIMIT 1`,
    );
    this.insertStmt = db.prepare<[string, number, number, number, string | null]>(
      `INSERT INTO log (key, created, deleted, prev_revision, value) VALUES (?, ?, ?, ?, ?)`,
    );
    this.pageStmt = db
      .prepare<[{ low: string; high: string; rev: number; n: number }], [number, string, string | null]>(LIST_PAGE_SQL)
      .raw();
    const changeColumns = `l.id, l.key, l.created, l.deleted, l.prev_revision, l.value, p.id, p.value
      FROM log AS l LEFT JOIN log AS p ON p.id = l.prev_revision AND l.prev_revision > 0`;
    this.changesStmt = db
      .prepare<[{ after: number; n: number }], RawChange>(`SELECT ${changeColumns} WHERE l.id > @after ORDER BY l.id LIMIT @n`)
      .raw();
    this.rangeChangesStmt = db
      .prepare<[{ after: number; upTo: number; low: string; high: string; n: number }], RawChange>(
        `SELECT ${changeColumns}
          WHERE l.id > @after AND l.id <= @upTo AND l.key >= @low AND l.key < @high
          ORDER BY l.id LIMIT @n`,
      )
      .raw();
    // Compacting (from, to]: a row goes when a later row of its key is at or below `to` (its
    // successor points at it), and a tombstone goes when it is at or below `to`. A row whose
    // successor is above `to` stays, so every event after the compaction point still finds
    // its previous object.
    this.compactPrevStmt = db.prepare<[{ from: number; to: number }]>(
      `DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > @from AND id <= @to AND prev_revision > 0)`,
    );
    this.compactTombstonesStmt = db.prepare<[{ from: number; to: number }]>(
      `DELETE FROM log WHERE id > @from AND id <= @to AND deleted = 1`,
    );
  }

  /** The highest revision ever handed out (survives deletion of the newest rows). */
  currentRevision(): number {
    return this.seqStmt.get() ?? 0;
  }

  compactRevision(): number {
    return this.compactStmt.get() ?? 0;
  }

  latest(key: string): LatestRow | undefined {
    return this.latestStmt.get(key);
  }

  /** Appends a row; returns its id, the new revision. */
  append(key: string, created: boolean, deleted: boolean, prevRevision: number, value: string | null): number {
    const info = this.insertStmt.run(key, created ? 1 : 0, deleted ? 1 : 0, prevRevision, value);
    return Number(info.lastInsertRowid);
  }

  /** Up to `n` (-1: all) live rows at `rev` with keys in [low, high), key-ordered. */
  page(low: string, high: string, rev: number, n: number): Array<[number, string, string | null]> {
    return this.pageStmt.all({ low, high, rev, n });
  }

  changesAfter(after: number, n: number): ChangeRow[] {
    return this.changesStmt.all({ after, n }).map(toChange);
  }

  changesInRange(after: number, upTo: number, low: string, high: string, n: number): ChangeRow[] {
    return this.rangeChangesStmt.all({ after, upTo, low, high, n }).map(toChange);
  }

  /** Deletes what compaction from `from` to `to` frees and records `to`. Call in a write transaction. */
  compact(from: number, to: number): void {
    this.compactPrevStmt.run({ from, to });
    this.compactTombstonesStmt.run({ from, to });
    this.setCompactStmt.run(to);
  }

  /** The UTF-8 size of the values of every key's newest row that is not a tombstone: the live objects. */
  liveBytes(): number {
    return this.liveBytesStmt.get() as number;
  }

  /** Changes whenever another connection commits (SQLite's own counter). */
  dataVersion(): number {
    return this.dataVersionStmt.get() as number;
  }
}

function toChange(r: RawChange): ChangeRow {
  return {
    id: r[0],
    key: r[1],
    created: r[2],
    deleted: r[3],
    prevRevision: r[4],
    value: r[5],
    hasPrev: r[6] !== null,
    prevValue: r[7],
  };
}
