import type { StoreEvent } from '../../../ports/object-store.port.js';

/**
 * The newest changes of a store, one per revision, with no gaps: the memory store gives every
 * write the next revision, so the change at revision `r` sits at a computable position and
 * needs no search.
 *
 * `compactedRevision` is the compaction point: the changes up to and including it are gone,
 * every later one is kept. The state at any revision from it to the newest can therefore be
 * rebuilt from the current state by undoing the later changes.
 */
export class ChangeHistory {
  private events: Array<StoreEvent | undefined> = [];
  private head = 0;
  private compacted = 0;

  /** @param limit how many changes to keep at most (≥ 0). */
  constructor(private readonly limit: number) {}

  get compactedRevision(): number {
    return this.compacted;
  }

  /** How many changes are kept. */
  get size(): number {
    return this.events.length - this.head;
  }

  /** The change at `revision`, if it is kept. */
  at(revision: number): StoreEvent | undefined {
    if (revision <= this.compacted) return undefined;
    return this.events[this.head + (revision - this.compacted - 1)];
  }

  /**
   * Appends the change of the next revision; the caller guarantees it is exactly one more than
   * the newest one appended. The history may exceed its limit until the next `trim`.
   */
  append(event: StoreEvent): void {
    this.events.push(event);
  }

  /** Drops the oldest changes beyond the limit, moving the compaction point forward. */
  trim(): void {
    while (this.size > this.limit) {
      this.events[this.head] = undefined;
      this.head++;
      this.compacted++;
    }
    // Drop the dead front in one go once it dominates, so appends stay amortised O(1)
    // instead of shifting the array on every compaction.
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets every change; the compaction point becomes `revision`. */
  reset(revision: number): void {
    this.events = [];
    this.head = 0;
    this.compacted = revision;
  }
}
