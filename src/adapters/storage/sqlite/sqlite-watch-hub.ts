import { type FanoutWatch, WatchFanout } from '../shared/watch-fanout.js';

/**
 * The open watches of one store and the point up to which the log has been delivered to them.
 *
 * Every change reaches the hub once, in revision order, whoever wrote it: the store hands its
 * own commits over right after they commit and reads other processes' commits from the log.
 * `deliveredUpTo` is the revision up to which that has happened; a watch's progress is that
 * point (or its own starting point, if later).
 *
 * A new watch: {@link open}, deliver older changes (history) with {@link FanoutWatch.send}, then
 * {@link attach}, before anything else can run.
 */
export class WatchHub extends WatchFanout {
  deliveredUpTo = 0;

  advance(revision: number): void {
    if (revision > this.deliveredUpTo) this.deliveredUpTo = revision;
  }

  /** Ends, with `error()`, every watch that still needs changes at or before `revision`. */
  failBefore(revision: number, error: () => Error): void {
    for (const w of this.watches) {
      if (Math.max(w.from, this.deliveredUpTo) < revision) w.fail(error());
    }
  }

  progressOf(w: FanoutWatch): number {
    return Math.max(w.from, this.deliveredUpTo);
  }
}
