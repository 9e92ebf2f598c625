import type { StoreEvent, StoreWatch, StoreWatchSink } from '../../../ports/object-store.port.js';

/**
 * The part of watch delivery every storage adapter shares: the open watches of one store, each
 * with a prefix and a point at or below which changes are not for it, and how a change reaches a
 * sink (see the `watch` contract of the port: sinks only enqueue, so delivery never holds up a
 * writer; a sink that throws loses only its own watch; after `sink.error` nothing follows).
 *
 * A watch is made with {@link open} and joins the fan-out with {@link attach}. A store that
 * replays kept history does so in between, with {@link FanoutWatch.send} and no await, so no
 * change can slip through the seam between history and live events.
 *
 * What differs between stores stays in the adapter: how far delivery has got, and so what a
 * watch's `progress()` is ({@link progressOf}), how history is replayed, and where live changes
 * come from.
 */
export abstract class WatchFanout {
  protected readonly watches = new Set<FanoutWatch>();

  get size(): number {
    return this.watches.size;
  }

  /** A watch on `prefix` that takes changes after `from`; it receives live changes once attached. */
  open(prefix: string, from: number, sink: StoreWatchSink): FanoutWatch {
    return new FanoutWatch(this, prefix, from, sink);
  }

  attach(w: FanoutWatch): void {
    if (w.active) this.watches.add(w);
  }

  detach(w: FanoutWatch): void {
    this.watches.delete(w);
  }

  /** Offers the change at `revision` on `key`; `build` runs at most once, only if a watch wants it. */
  offer(revision: number, key: string, build: () => StoreEvent | undefined): void {
    let event: StoreEvent | undefined | null = null;
    for (const w of this.watches) {
      if (revision <= w.from || !key.startsWith(w.prefix)) continue;
      if (event === null) event = build();
      if (event === undefined) return;
      w.send(event);
    }
  }

  /** Ends every watch, telling each sink why (a function: a new error for each sink). */
  endAll(error: Error | (() => Error)): void {
    for (const w of this.watches) w.fail(typeof error === 'function' ? error() : error);
  }

  /** What `progress()` of `w` answers (see {@link StoreWatch.progress}). */
  abstract progressOf(w: FanoutWatch): number;

  /** Runs when `w` stops while still active, before it leaves the fan-out. */
  stopping(_w: FanoutWatch): void {}
}

export class FanoutWatch implements StoreWatch {
  active = true;

  constructor(
    private readonly fanout: WatchFanout,
    readonly prefix: string,
    /** Changes at or below this revision are not for this watch (delivered, or before its start). */
    public from: number,
    private readonly sink: StoreWatchSink,
  ) {}

  send(event: StoreEvent): void {
    if (!this.active) return;
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
    return this.fanout.progressOf(this);
  }

  stop(): void {
    if (this.active) this.fanout.stopping(this);
    this.active = false;
    this.fanout.detach(this);
  }
}
