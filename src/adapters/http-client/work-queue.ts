import type { Clock } from '../../ports/clock.port.js';

export interface WorkQueueOptions {
  /** Timers of the backoff (default: the machine's, not keeping the process alive). */
  clock?: Pick<Clock, 'setTimer'>;
  /** First retry delay; doubles with each failure of the same key (default 5 ms). */
  baseDelayMs?: number;
  /** Longest retry delay (default 1000 s, as client-go's per-item limiter). */
  maxDelayMs?: number;
  /** Failures after which `handleError` drops a key instead of retrying (default 5). */
  maxRetries?: number;
}

/**
 * A queue of keys to reconcile, with client-go's workqueue semantics: a key queued twice is
 * handed out once; a key added while a worker holds it is handed out again after `done`, never
 * to two workers at once; failures retry with exponential per-key backoff on the given clock.
 */
export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, () => void>();
  private readonly waiters: Array<(k: K | undefined) => void> = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  readonly maxRetries: number;

  private readonly clock: Pick<Clock, 'setTimer'>;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? {
      setTimer(ms, fn) {
        const t = setTimeout(fn, ms);
        t.unref();
        return () => clearTimeout(t);
      },
    };
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.maxRetries = options.maxRetries ?? 5;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** The next key, once one is queued; undefined once the queue is shut down. Call done(key) after. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker is finished with `key`; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Adds `key` after its backoff: baseDelay × 2^(failures so far), at most maxDelay. */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
    this.addAfter(key, delay);
  }

  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    this.timers.get(key)?.();
    this.timers.set(
      key,
      this.clock.setTimer(ms, () => {
        this.timers.delete(key);
        this.add(key);
      }),
    );
  }

  /** Clears the failure count of `key` (after a success, or when giving up). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** After a reconcile failed: retry with backoff, or drop the key past maxRetries. Returns whether it will retry. */
  handleError(key: K): boolean {
    if (this.numRequeues(key) < this.maxRetries) {
      this.addRateLimited(key);
      return true;
    }
    this.forget(key);
    return false;
  }

  /** Stops handing out keys: waiting and later get() calls resolve undefined; pending retries are cancelled. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}

/**
 * Runs `reconcile` for each key until the queue shuts down: success forgets the key's failures,
 * failure retries it with backoff up to maxRetries. Resolves when the queue is shut down.
 */
export async function runWorker<K>(queue: WorkQueue<K>, reconcile: (key: K) => Promise<void>, onDrop?: (key: K, err: unknown) => void): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (err) {
      if (!queue.handleError(key)) onDrop?.(key, err);
    } finally {
      queue.done(key);
    }
  }
}
