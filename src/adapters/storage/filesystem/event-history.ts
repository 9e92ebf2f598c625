import type { KubeObject } from '../../../domain/meta/types.js';
import type { StoreEvent } from '../../../ports/object-store.port.js';

/**
 * The newest changes of the store, in memory, in revision order: what watches replay and what
 * reads at an older revision undo.
 *
 * `oldest` is the compaction point: every change after it is kept, so the state at any
 * revision from `oldest` on can be rebuilt exactly, and a watch from any such revision misses
 * nothing. It starts at the revision the store opened at (changes before the process started
 * are not known) and moves up as the oldest changes are dropped beyond `limit`. Revisions may
 * have gaps (skipped after a failed write or a restart); that does not matter, since only the
 * changes that exist are replayed or undone.
 */
export class EventHistory {
  private events: StoreEvent[] = [];
  private head = 0;
  private compacted: number;

  constructor(
    private readonly limit: number,
    start: number,
  ) {
    this.compacted = start;
  }

  get oldest(): number {
    return this.compacted;
  }

  get size(): number {
    return this.events.length - this.head;
  }

  append(event: StoreEvent): void {
    this.events.push(event);
    while (this.size > this.limit) {
      this.compacted = this.events[this.head]!.revision;
      this.events[this.head] = undefined as unknown as StoreEvent;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** The kept changes with a revision greater than `revision`, oldest first. */
  *after(revision: number): Generator<StoreEvent> {
    for (let i = this.firstAfter(revision); i < this.events.length; i++) yield this.events[i]!;
  }

  /**
   * How the keys under `prefix` that changed after `revision` looked at `revision`: for each,
   * the object then, or undefined when the key held nothing. Keys not in the map are as now.
   * `revision` must be at or after {@link oldest}.
   */
  stateAt(revision: number, prefix: string): Map<string, KubeObject | undefined> {
    const before = new Map<string, KubeObject | undefined>();
    for (const e of this.after(revision)) {
      if (before.has(e.key) || !e.key.startsWith(prefix)) continue;
      // The first change after `revision` tells what the key held before it.
      before.set(e.key, e.type === 'ADDED' ? undefined : e.prevObject);
    }
    return before;
  }

  private firstAfter(revision: number): number {
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
