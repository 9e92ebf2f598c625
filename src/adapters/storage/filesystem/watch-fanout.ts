import type { StoreEvent } from '../../../ports/object-store.port.js';
import { type FanoutWatch, WatchFanout } from '../shared/watch-fanout.js';

/**
 * The open watches of one store. The store publishes each committed change once, in revision
 * order, synchronously after the commit; delivery only calls the sinks, which only enqueue, so
 * no watcher can hold up a writer or another watcher.
 *
 * A new watch: {@link open}, replay older changes with {@link FanoutWatch.send}, then
 * {@link attach}, with no await in between.
 */
export class FilesystemWatchFanout extends WatchFanout {
  /** `delivered()` is the revision up to which every change has been published. */
  constructor(readonly delivered: () => number) {
    super();
  }

  override attach(w: FanoutWatch): void {
    w.from = Math.max(w.from, this.delivered());
    super.attach(w);
  }

  publish(event: StoreEvent): void {
    this.offer(event.revision, event.key, () => event);
  }

  /** Every change published so far; once stopped, what had been published by then. */
  progressOf(w: FanoutWatch): number {
    return w.active ? Math.max(w.from, this.delivered()) : w.from;
  }

  override stopping(w: FanoutWatch): void {
    w.from = Math.max(w.from, this.delivered());
  }
}
