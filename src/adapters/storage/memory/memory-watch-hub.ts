import { type FanoutWatch, WatchFanout } from '../shared/watch-fanout.js';
import type { ChangeHistory } from './change-history.js';

/**
 * The open watches of a memory store. Each watch has a cursor (its `from`), the revision up to
 * which it has been served; `drain` moves every cursor to the newest revision by reading the
 * history. Old changes for a new watch and live changes for every watch travel the same path, so
 * a watch sees each change once, in order, with no seam between history and live events.
 *
 * Delivery is synchronous. A sink that writes to the store or opens a watch from inside its
 * callback (which the port forbids, but which must not corrupt ordering) re-enters `drain`;
 * the re-entry only marks more work, and the outer loop delivers it after the current change.
 *
 * The hub also trims the history, once every watch has been served: a change must not be
 * compacted away before its watchers saw it (with a history limit of 0, the time between its
 * commit and the end of `drain` is the only moment it exists).
 */
export class MemoryWatchHub extends WatchFanout {
  private draining = false;
  private again = false;

  constructor(
    private readonly history: ChangeHistory,
    private readonly newest: () => number,
    private readonly expired: (revision: number) => Error,
  ) {
    super();
  }

  /** Registers a watch made by `open` and serves its backlog from the history. */
  override attach(w: FanoutWatch): void {
    super.attach(w);
    this.drain();
  }

  /** Serves every watch up to the newest revision, then trims the history; call after each commit. */
  drain(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.again = false;
        for (const w of this.watches) this.serve(w);
      } while (this.again);
    } finally {
      this.draining = false;
    }
    this.history.trim();
    // Every watch has its events now: the history keeps their JSON only.
    this.history.release();
  }

  /** A watch has seen exactly what it was served. */
  progressOf(w: FanoutWatch): number {
    return w.from;
  }

  private serve(w: FanoutWatch): void {
    while (w.active && w.from < this.newest()) {
      const next = w.from + 1;
      const event = this.history.at(next);
      if (event === undefined) {
        // Unreachable while sinks keep to the contract; a defensive end rather than a silent gap.
        w.fail(this.expired(w.from));
        return;
      }
      w.from = next;
      if (event.key.startsWith(w.prefix)) w.send(event);
    }
  }
}
