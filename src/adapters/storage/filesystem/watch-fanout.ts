import type { StoreEvent, StoreWatch, StoreWatchSink } from '../../../ports/object-store.port.js';

/**
 * The open watches of one store. The store publishes each committed change once, in revision
 * order, synchronously after the commit; delivery only calls the sinks, which only enqueue, so
 * no watcher can hold up a writer or another watcher.
 */
export class WatchFanout {
  private readonly watches = new Set<FanoutWatch>();

  /** `delivered()` is the revision up to which every change has been published. */
  constructor(readonly delivered: () => number) {}

  get size(): number {
    return this.watches.size;
  }

  /**
   * A watch on `prefix` that takes changes after `from`. The caller replays older changes
   * with {@link FanoutWatch.send} and then calls {@link attach}, with no await in between.
   */
  open(prefix: string, from: number, sink: StoreWatchSink): FanoutWatch {
    return new FanoutWatch(this, prefix, from, sink);
  }

  attach(w: FanoutWatch): void {
    w.from = Math.max(w.from, this.delivered());
    if (w.active) this.watches.add(w);
  }

  detach(w: FanoutWatch): void {
    this.watches.delete(w);
  }

  publish(event: StoreEvent): void {
    for (const w of this.watches) {
      if (event.revision > w.from && event.key.startsWith(w.prefix)) w.send(event);
    }
  }

  /** Ends every watch; with an error, tells each sink why. */
  endAll(error?: () => Error): void {
    for (const w of [...this.watches]) {
      if (error) w.fail(error());
      else w.stop();
    }
  }
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
      // A sink must only enqueue; one that throws loses its own watch, nobody else's.
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
    return this.active ? Math.max(this.from, this.fanout.delivered()) : this.from;
  }

  stop(): void {
    if (this.active) this.from = Math.max(this.from, this.fanout.delivered());
    this.active = false;
    this.fanout.detach(this);
  }
}
