import type { KubeObject, WatchEvent } from '../meta/types.js';
import type { WatchStream } from '../../ports/resource-api.port.js';

/**
 * A bounded queue of watch events consumed as an async iterable. Producers never wait: when a
 * consumer falls more than `limit` events behind, the queue calls `onOverflow` once, after
 * which the producer ends it (typically with an ERROR event). That keeps one slow watcher
 * from holding memory without bound or slowing writers and other watchers.
 */
export class EventQueue<T extends KubeObject = KubeObject> implements WatchStream<T> {
  private readonly items: WatchEvent<T>[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  private ended = false;
  private overflowed = false;
  private readonly closeHooks: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Adds an event; ignored once the queue has ended. */
  push(event: WatchEvent<T>): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
      return;
    }
    if (this.items.length - this.head >= this.limit && !this.overflowed && event.type !== 'ERROR') {
      this.overflowed = true;
      this.onOverflow();
      return;
    }
    this.items.push(event);
  }

  /** Ends the stream after the events already queued. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.runCloseHooks();
    if (this.waiting && this.head >= this.items.length) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  /** Ends the stream now, dropping what is queued (the consumer went away). */
  close(): void {
    this.items.length = 0;
    this.head = 0;
    this.end();
  }

  /** Runs `hook` when the stream ends, however it ends. */
  onClose(hook: () => void): void {
    if (this.ended) hook();
    else this.closeHooks.push(hook);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Events queued and not yet taken. */
  get backlog(): number {
    return this.items.length - this.head;
  }

  private runCloseHooks(): void {
    const hooks = this.closeHooks.splice(0);
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // A failing cleanup must not keep other cleanups from running.
      }
    }
  }

  private next(): Promise<IteratorResult<WatchEvent<T>>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++];
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
