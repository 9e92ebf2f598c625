import type { StoreEvent, StoreWatch, StoreWatchSink } from '../../../ports/object-store.port.js';

/**
 * The open watches of one store and the point up to which the log has been delivered to them.
 *
 * Every change reaches the hub once, in revision order, whoever wrote it: the store hands its
 * own commits over right after they commit and reads other processes' commits from the log.
 * `deliveredUpTo` is the revision up to which that has happened; a watch's progress is that
 * point (or its own starting point, if later).
 */
export class WatchHub {
  deliveredUpTo = 0;
  private readonly watches = new Set<HubWatch>();

  get size(): number {
    return this.watches.size;
  }

  /**
   * A watch that receives changes after `from` from now on. The caller delivers older changes
   * (history) through `send` before anything else can run.
   */
  open(prefix: string, from: number, sink: StoreWatchSink): HubWatch {
    return new HubWatch(this, prefix, from, sink);
  }

  attach(w: HubWatch): void {
    if (w.active) this.watches.add(w);
  }

  detach(w: HubWatch): void {
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

  advance(revision: number): void {
    if (revision > this.deliveredUpTo) this.deliveredUpTo = revision;
  }

  /** Ends, with `error(revision)`, every watch that still needs changes at or before `revision`. */
  failBefore(revision: number, error: () => Error): void {
    for (const w of this.watches) {
      if (Math.max(w.from, this.deliveredUpTo) < revision) w.fail(error());
    }
  }

  /** Ends every watch; with an error, tells the sinks why. */
  endAll(error?: Error): void {
    for (const w of this.watches) {
      if (error) w.fail(error);
      else w.stop();
    }
  }
}

export class HubWatch implements StoreWatch {
  active = true;

  constructor(
    private readonly hub: WatchHub,
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
      // A sink must only enqueue; one that throws loses its watch, not everyone else's.
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
    return Math.max(this.from, this.hub.deliveredUpTo);
  }

  stop(): void {
    this.active = false;
    this.hub.detach(this);
  }
}
