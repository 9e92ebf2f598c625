import type { KubeObject } from '../../../domain/meta/types.js';
import type { StoreEvent } from '../../../ports/object-store.port.js';
import type { ChangeRow } from './sqlite-log-statements.js';
import { type RecordCodec, withRevision } from './sqlite-record-codec.js';

/**
 * The watch event a log row stands for, or `undefined` when it tells a watcher nothing.
 *
 * A corrupt value is invisible everywhere (lists and gets skip it), so events follow what a
 * reader of the store sees: a row that replaces a readable object with a corrupt one reads as
 * its deletion, a row that replaces a corrupt one reads as a creation, and a row that only
 * touches corrupt values is skipped.
 *
 * Compaction never removes the row before a row newer than the compaction point (see
 * `LogStatements.compact`), so MODIFIED and DELETED always carry prevObject unless that
 * previous value is itself corrupt. Should the previous row be missing anyway (a database
 * edited by hand), the row is reported, a change is still delivered as MODIFIED without
 * prevObject, and a deletion (which has no object to show) is skipped.
 */
export function eventFromRow(row: ChangeRow, codec: RecordCodec): StoreEvent | undefined {
  const { id, key } = row;
  const deletion = (p: KubeObject): StoreEvent => ({ type: 'DELETED', key, revision: id, object: withRevision(p, id), prevObject: p });
  let prev: KubeObject | undefined;
  if (!row.created) {
    if (!row.hasPrev) {
      codec.report(key, id, `its previous row (revision ${row.prevRevision}) is missing`);
      if (row.deleted) return undefined;
      const object = codec.decode(key, id, row.value);
      return object ? { type: 'MODIFIED', key, revision: id, object } : undefined;
    }
    prev = codec.decode(key, row.prevRevision, row.prevValue);
  }
  if (row.deleted) return prev ? deletion(prev) : undefined;
  const object = codec.decode(key, id, row.value);
  if (!object) return prev ? deletion(prev) : undefined;
  if (!prev) return { type: 'ADDED', key, revision: id, object };
  return { type: 'MODIFIED', key, revision: id, object, prevObject: prev };
}
