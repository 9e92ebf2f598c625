import type { StoreEvent, StoreWatch, StoreWatchSink } from '../../../ports/object-store.port.js';
import type { ChangeHistory } from './change-history.js';

/**
 * The open watches of a memory store. Each watch has a cursor, the revision up to which it has
 * been served; `drain` moves every cursor to the newest revision by reading the history. Old
 * changes for a new watch and live changes for every watch travel the same path, so a watch
 * sees each change once, in order, with no seam between history and live events.
 *
 * Delivery is synchronous. A sink that writes to the store or opens a watch from inside its
 * callback (which the port forbids, but which must not corrupt ordering) re-enters `drain`;
 * the re-entry only marks more work, and the outer loop delivers it after the current change.
 *
 * The hub also trims the history, once every watch has been served: a change must not be
 * compacted away before its watchers saw it (with a history limit of 0, the time between its
 * commit and the end of `drain` is the only moment it exists).
 */
export class MemoryWatchHub {
  private readonly watches = new Set<MemoryWatch>();
  private draining = false;
  private again = false;

  constructor(
    private readonly history: ChangeHistory,
    private readonly newest: () => number,
    private readonly expired: (revision: number) => Error,
  ) {}

  /** Registers a watch for changes under `prefix` after `fromRevision` and serves its backlog. */
  open(prefix: string, fromRevision: number, sink: StoreWatchSink): StoreWatch {
    const w = new MemoryWatch(this, prefix, fromRevision, sink);
    this.watches.add(w);
    this.drain();
    return w;
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
  }

  /** Ends every watch, telling each sink why. */
  endAll(reason: Error): void {
    for (const w of this.watches) w.fail(reason);
  }

  detach(w: MemoryWatch): void {
    this.watches.delete(w);
  }

  private serve(w: MemoryWatch): void {
    while (w.active && w.cursor < this.newest()) {
      const next = w.cursor + 1;
      const event = this.history.at(next);
      if (event === undefined) {
        // Unreachable while sinks keep to the contract; a defensive end rather than a silent gap.
        w.fail(this.expired(w.cursor));
        return;
      }
      w.cursor = next;
      if (event.key.startsWith(w.prefix)) w.send(event);
    }
  }
}

class MemoryWatch implements StoreWatch {
  active = true;

  constructor(
    private readonly hub: MemoryWatchHub,
    readonly prefix: string,
    /** The revision up to which this watch has been served (or its start, if later). */
    public cursor: number,
    private readonly sink: StoreWatchSink,
  ) {}

  send(event: StoreEvent): void {
    try {
      this.sink.event(event);
    } catch (err) {
      // A sink must only enqueue; one that throws loses its own watch, never a writer's call
      // or another watcher's events.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  fail(err: Error): void {
    if (!this.active) return;
    this.stop();
    try {
      this.sink.error(err);
    } catch {
      // nothing more can be told to this sink
    }
  }

  progress(): number {
    return this.cursor;
  }

  stop(): void {
    this.active = false;
    this.hub.detach(this);
  }
}
