import type { Clock } from '../../ports/clock.port.js';
import type { StoreEvent, StoreWatch, StoreWatchSink } from '../../ports/object-store.port.js';
import type { WatchStream } from '../../ports/resource-api.port.js';
import { gone } from '../errors/api-error.js';
import { statusFromError } from '../errors/status.js';
import type { KubeObject, WatchEvent } from '../meta/types.js';
import { EventQueue } from './event-queue.js';

/** What one watch is made of; the registry fills it in from the request and its store. */
export interface WatchPlan {
  /** The revision the watch starts after: live events have greater revisions. */
  fromRevision: number;
  /**
   * The state at `fromRevision` to send first as ADDED events (undefined: none). They are
   * served from this snapshot as the client reads them, never through the live-event bound.
   */
  initial?: readonly { readonly object: KubeObject }[];
  /** Whether an object of `initial` passes the watch's selectors. */
  matches(obj: KubeObject): boolean;
  /** After the initial events, a BOOKMARK marked `k8s.io/initial-events-end` (sendInitialEvents). */
  initialEventsEnd: boolean;
  /** Starts the store's watch after `fromRevision`; rejects when it cannot start. */
  subscribe(fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch>;
  /** A store change as this watcher sees it (selector transitions), or undefined to skip it. */
  transform(event: StoreEvent): WatchEvent | undefined;
  /** A BOOKMARK event at a revision. */
  bookmark(revision: number, initialEventsEnd: boolean): WatchEvent;
  /** The error a failed store watch reports to the client, as an ERROR event's Status. */
  storeError(err: Error): unknown;
  /** Periodic bookmarks, every this many milliseconds (undefined: none). */
  bookmarkIntervalMs?: number;
  /** Ends the watch cleanly after this many milliseconds (undefined: never). */
  timeoutMs?: number;
  /** Live events a watcher may fall behind before it is ended with 410 Gone. */
  queueLimit: number;
  clock: Clock;
  /** The client went away. */
  signal?: AbortSignal;
}

/**
 * Serves one watch: the initial snapshot, then the live events of the store after it, with
 * bookmarks, a timeout and the slow-watcher bound, as one stream. Writers never wait for a
 * watcher: live events queue, and a watcher more than `queueLimit` events behind gets an ERROR
 * (410) it can re-list from. The initial events are read from the snapshot only as fast as
 * the client takes them, so a watch from resourceVersion 0 works on any number of objects.
 */
export async function startWatch(plan: WatchPlan): Promise<WatchStream> {
  let storeWatch: StoreWatch | undefined;
  let lastRevision = plan.fromRevision;
  const live = new EventQueue(plan.queueLimit, () => {
    storeWatch?.stop();
    live.push({
      type: 'ERROR',
      object: statusFromError(gone('the watch fell too far behind the event stream; re-list and watch again')),
    });
    live.end();
  });
  const stream = new DispatchedWatch(live, plan);

  try {
    storeWatch = await plan.subscribe(plan.fromRevision, {
      event: (e) => {
        lastRevision = e.revision;
        const out = plan.transform(e);
        if (out) live.push(out);
      },
      error: (err) => {
        live.push({ type: 'ERROR', object: statusFromError(plan.storeError(err)) });
        live.end();
      },
    });
  } catch (err) {
    live.close();
    throw err;
  }
  const sw = storeWatch;
  live.onClose(() => sw.stop());

  if (plan.bookmarkIntervalMs !== undefined) {
    const interval = plan.bookmarkIntervalMs;
    let cancel: (() => void) | undefined;
    let lastBookmark = plan.fromRevision;
    const tick = (): void => {
      if (live.isEnded) return;
      const progress = Math.max(lastRevision, sw.progress());
      // A quiet watch still hears from the server now and then; a busy one only when it moved.
      if (progress > lastBookmark || live.backlog === 0) {
        lastBookmark = progress;
        live.push(plan.bookmark(progress, false));
      }
      cancel = plan.clock.setTimer(interval, tick);
    };
    cancel = plan.clock.setTimer(interval, tick);
    live.onClose(() => cancel?.());
  }
  if (plan.timeoutMs !== undefined && plan.timeoutMs > 0) {
    const cancel = plan.clock.setTimer(plan.timeoutMs, () => stream.end());
    live.onClose(cancel);
  }
  if (plan.signal) {
    const signal = plan.signal;
    if (signal.aborted) stream.close();
    const onAbort = (): void => stream.close();
    signal.addEventListener('abort', onAbort, { once: true });
    live.onClose(() => signal.removeEventListener('abort', onAbort));
  }
  return stream;
}

/** The stream a client reads: the snapshot's matching objects, the end marker, then live events. */
class DispatchedWatch implements WatchStream {
  private index = 0;
  private initial: readonly { readonly object: KubeObject }[] | undefined;
  private endMarker: boolean;
  private ended = false;

  constructor(
    private readonly live: EventQueue,
    private readonly plan: WatchPlan,
  ) {
    this.initial = plan.initial;
    this.endMarker = plan.initialEventsEnd;
  }

  /** Ends after what was sent (timeout): no further initial events either. */
  end(): void {
    this.ended = true;
    this.initial = undefined;
    this.live.end();
  }

  close(): void {
    this.ended = true;
    this.initial = undefined;
    this.live.close();
  }

  private nextInitial(): WatchEvent | undefined {
    const initial = this.initial;
    if (initial) {
      while (this.index < initial.length) {
        // Items may parse their object on first read: only as the client takes them.
        const obj = initial[this.index++].object;
        if (this.plan.matches(obj)) return { type: 'ADDED', object: obj };
      }
      this.initial = undefined;
    }
    if (this.endMarker) {
      this.endMarker = false;
      if (!this.ended) return this.plan.bookmark(this.plan.fromRevision, true);
    }
    return undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    const liveIterator = this.live[Symbol.asyncIterator]();
    return {
      next: () => {
        const first = this.ended ? undefined : this.nextInitial();
        if (first) return Promise.resolve({ value: first, done: false });
        return liveIterator.next();
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
