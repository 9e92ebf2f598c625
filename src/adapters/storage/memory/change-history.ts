import type { KubeObject } from '../../../domain/meta/types.js';
import type { StoreEvent, StoreEventType } from '../../../ports/object-store.port.js';
import { frozenFromJson, withResourceVersion } from './frozen-json.js';

/** A change as the history keeps it: the JSON of the states, not parsed objects. */
interface KeptChange {
  readonly type: StoreEventType;
  readonly key: string;
  readonly revision: number;
  /** The object's JSON after the change; undefined for DELETED (the object is the previous state at this revision). */
  readonly json: string | undefined;
  /** The object's JSON before the change (MODIFIED and DELETED). */
  readonly prevJson: string | undefined;
  /** The change as an event, while someone may still read it (see `release`). */
  event: StoreEvent | undefined;
}

/**
 * The newest changes of a store, one per revision, with no gaps: the memory store gives every
 * write the next revision, so the change at revision `r` sits at a computable position and
 * needs no search.
 *
 * Changes are kept as JSON text: a parsed event lives only while its change is being delivered
 * (from `append` or `at` until the next `release`), and is parsed again when a watch replays it
 * later. Keeping parsed objects for every kept change would hold ten thousand object graphs
 * that the garbage collector has to copy and mark, for the rare watch that starts in the past.
 *
 * `compactedRevision` is the compaction point: the changes up to and including it are gone,
 * every later one is kept. The state at any revision from it to the newest can therefore be
 * rebuilt from the current state by undoing the later changes.
 */
export class ChangeHistory {
  private changes: Array<KeptChange | undefined> = [];
  private head = 0;
  private compacted = 0;
  /** Changes whose event is parsed now. */
  private readonly live: KeptChange[] = [];

  /** @param limit how many changes to keep at most (≥ 0). */
  constructor(private readonly limit: number) {}

  get compactedRevision(): number {
    return this.compacted;
  }

  /** How many changes are kept. */
  get size(): number {
    return this.changes.length - this.head;
  }

  /** The change at `revision` as an event, if it is kept. */
  at(revision: number): StoreEvent | undefined {
    const change = this.kept(revision);
    if (!change) return undefined;
    if (!change.event) {
      change.event = materialize(change);
      this.live.push(change);
    }
    return change.event;
  }

  /** The key the change at `revision` wrote, if it is kept. */
  keyAt(revision: number): string | undefined {
    return this.kept(revision)?.key;
  }

  /** The object before the change at `revision`: null when it created the key, undefined when the change is not kept. */
  previousAt(revision: number): Readonly<KubeObject> | null | undefined {
    const change = this.kept(revision);
    if (!change) return undefined;
    if (change.event) return change.event.prevObject ?? null;
    return change.prevJson === undefined ? null : frozenFromJson(change.prevJson);
  }

  /**
   * Appends the change of the next revision, with its event already made and the JSON of its
   * states; the caller guarantees the revision is exactly one more than the newest one
   * appended. The history may exceed its limit until the next `trim`.
   */
  append(event: StoreEvent, json: string | undefined, prevJson: string | undefined): void {
    const change: KeptChange = { type: event.type, key: event.key, revision: event.revision, json, prevJson, event };
    this.changes.push(change);
    this.live.push(change);
  }

  /** Lets go of the parsed events: every watch has been served them. */
  release(): void {
    for (const change of this.live) change.event = undefined;
    this.live.length = 0;
  }

  /** Drops the oldest changes beyond the limit, moving the compaction point forward. */
  trim(): void {
    while (this.size > this.limit) {
      this.changes[this.head] = undefined;
      this.head++;
      this.compacted++;
    }
    // Drop the dead front in one go once it dominates, so appends stay amortised O(1)
    // instead of shifting the array on every compaction.
    if (this.head > 1024 && this.head * 2 > this.changes.length) {
      this.changes = this.changes.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets every change; the compaction point becomes `revision`. */
  reset(revision: number): void {
    this.changes = [];
    this.head = 0;
    this.compacted = revision;
    this.live.length = 0;
  }

  private kept(revision: number): KeptChange | undefined {
    if (revision <= this.compacted) return undefined;
    return this.changes[this.head + (revision - this.compacted - 1)];
  }
}

function materialize(change: KeptChange): StoreEvent {
  if (change.json !== undefined) return storeEvent(change.type, change.key, change.revision, frozenFromJson(change.json), change.prevJson);
  // A deletion: the object is the last state, at the deletion's revision.
  const prevObject = frozenFromJson(change.prevJson as string);
  return storeEvent(change.type, change.key, change.revision, withResourceVersion(prevObject, String(change.revision)), change.prevJson, prevObject);
}

/**
 * A frozen event. Its `prevObject` is parsed from `prevJson` when first read (only watches
 * with selectors read it), unless given.
 */
export function storeEvent(
  type: StoreEventType,
  key: string,
  revision: number,
  object: Readonly<KubeObject>,
  prevJson: string | undefined,
  prevObject?: Readonly<KubeObject>,
): StoreEvent {
  if (prevJson === undefined) return Object.freeze({ type, key, revision, object });
  let prev = prevObject;
  return Object.freeze({
    type,
    key,
    revision,
    object,
    get prevObject(): KubeObject {
      return (prev ??= frozenFromJson(prevJson));
    },
  });
}
