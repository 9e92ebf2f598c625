/**
 * One store watch over one etcd watch stream (`prev_kv`, `progress_notify`), resumed on another
 * stream from the last delivered revision whenever its stream is lost (a member died, the
 * connection dropped), until it is stopped or etcd says the history it needs was compacted.
 *
 * Progress. `progress()` is the highest revision R such that every event at or below R has
 * been delivered: the newest delivered event's revision, or the revision of etcd's newest
 * progress notification. etcd sends those only to watchers that have caught up, in order with
 * their events, and only after a quiet interval (etcd's
 * `--experimental-watch-progress-notify-interval`, 10 minutes by default;
 * `--watch-progress-notify-interval` from etcd 3.6): that interval is how often bookmarks move
 * for a prefix nobody writes to. Not used: explicit progress requests (before etcd 3.4.31 and
 * 3.5.13 their answer could overtake pending events: etcd issues 15220, 17507), the header
 * revision of event responses (etcd's catch-up puts the current revision there while sending
 * only part of the events) and that of the `created` answer.
 */
import type { EventEmitter } from 'node:events';
import type { IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import { StorageError, type StoreWatch, type StoreWatchSink } from '../../../ports/object-store.port.js';
import type { EtcdCompactionPoint } from './etcd-compaction-point.js';
import { storeEventFrom } from './etcd-events.js';
import type { EtcdKeySpace } from './etcd-key-space.js';

export type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export interface EtcdWatchContext {
  /** Opens a new etcd watch stream (on a member the client picks). */
  openStream(): Promise<WatchStream>;
  keys: EtcdKeySpace;
  compaction: EtcdCompactionPoint;
  /** How long `start()` waits for etcd to create the watch. */
  startTimeoutMs: number;
  /** Called once when the watch is over, however it ended. */
  onEnd(watch: EtcdStoreWatch): void;
  /** Called when a progress notification moved `progress()` without an event (the watch cache's clock). */
  onProgress?(revision: number): void;
  /**
   * The etcd key range to watch instead of the prefix's (the watch cache watches all of etcd, so
   * that it sees every revision); events for keys outside the key space only move `progress()`.
   */
  range?: { start: Buffer; end: Buffer };
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

interface PendingStart {
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class EtcdStoreWatch implements StoreWatch {
  private delivered: number;
  private readonly rangeStart: Buffer;
  private readonly rangeEnd: Buffer;
  private stream: WatchStream | undefined;
  private ended = false;
  private pendingStart: PendingStart | undefined;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EtcdWatchContext,
    private readonly prefix: string,
    fromRevision: number,
    private readonly sink: StoreWatchSink,
  ) {
    this.delivered = fromRevision;
    const range = ctx.range ?? ctx.keys.range(prefix);
    this.rangeStart = range.start;
    this.rangeEnd = range.end;
  }

  /**
   * Opens the etcd watch, trying other members while none answers; resolves once etcd created
   * it, rejects with `Expired` or `Unavailable` (after `startTimeoutMs`).
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(StorageError.unavailable(`etcd: watch ${this.prefix}: no member created the watch within ${this.ctx.startTimeoutMs} ms`));
      }, this.ctx.startTimeoutMs);
      this.pendingStart = { resolve, reject, timer };
      this.connect();
    });
  }

  progress(): number {
    return this.delivered;
  }

  stop(): void {
    this.end();
  }

  /** Ends the watch with `err`: rejects a pending start, else tells the sink. */
  fail(err: Error): void {
    if (this.ended) return;
    const pending = this.pendingStart;
    this.end();
    if (pending) {
      pending.reject(err);
      return;
    }
    try {
      this.sink.error(err);
    } catch {
      // The sink's own failure changes nothing: the watch is over either way.
    }
  }

  private connect(): void {
    if (this.ended) return;
    const resumeAfter = this.delivered;
    this.ctx.openStream().then(
      (stream) => {
        if (this.ended) {
          discard(stream);
          return;
        }
        this.stream = stream;
        stream.on('data', (res) => this.onResponse(stream, res, resumeAfter));
        stream.on('error', (err) => this.onLost(stream, err));
        stream.on('end', () => this.onLost(stream, new Error('the watch stream ended')));
        stream.write({
          create_request: {
            key: this.rangeStart,
            range_end: this.rangeEnd,
            start_revision: resumeAfter + 1,
            prev_kv: true,
            progress_notify: true,
          },
        });
      },
      (err: unknown) => this.onLost(undefined, err),
    );
  }

  private onResponse(stream: WatchStream, res: IWatchResponse, resumeAfter: number): void {
    if (this.ended || stream !== this.stream) return;
    if (res.created) {
      if (res.canceled) {
        this.fail(StorageError.unavailable(`etcd: watch ${this.prefix}: etcd refused the watch: ${res.cancel_reason}`));
        return;
      }
      this.retries = 0;
      const pending = this.pendingStart;
      if (pending) {
        this.pendingStart = undefined;
        clearTimeout(pending.timer);
        pending.resolve();
      }
      return;
    }
    if (res.canceled) {
      const compacted = Number(res.compact_revision);
      if (compacted > 0) {
        this.ctx.compaction.atLeast(compacted);
        this.fail(StorageError.expired(this.delivered, compacted, { where: `etcd: watch ${this.prefix}` }));
      } else {
        this.onLost(stream, new Error(`etcd canceled the watch: ${res.cancel_reason}`));
      }
      return;
    }
    if (res.events.length === 0) {
      const revision = Number(res.header.revision);
      if (revision > this.delivered) {
        this.delivered = revision;
        this.ctx.onProgress?.(revision);
      }
      return;
    }
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= resumeAfter) continue;
      try {
        const event = storeEventFrom(ev, this.ctx.keys);
        if (event) this.sink.event(event);
        else if (revision > this.delivered) {
          this.delivered = revision;
          this.ctx.onProgress?.(revision);
        }
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (this.ended) return;
      if (revision > this.delivered) this.delivered = revision;
    }
  }

  /** The stream is gone: open another one from the last delivered revision, after a pause. */
  private onLost(stream: WatchStream | undefined, _err: unknown): void {
    if (this.ended || (stream !== undefined && stream !== this.stream)) return;
    if (stream) discard(stream);
    this.stream = undefined;
    const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.retries++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, wait);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendingStart) {
      clearTimeout(this.pendingStart.timer);
      this.pendingStart = undefined;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.stream) discard(this.stream);
    this.stream = undefined;
    this.ctx.onEnd(this);
  }
}

/**
 * Cancels a stream without its cancellation counting as a failure: the etcd3 client treats
 * any error on a stream as the member's fault and resets that member's connections.
 */
function discard(stream: WatchStream): void {
  const emitter = stream as unknown as EventEmitter;
  emitter.removeAllListeners('data');
  emitter.removeAllListeners('end');
  emitter.removeAllListeners('error');
  emitter.on('error', () => undefined);
  stream.cancel();
}
