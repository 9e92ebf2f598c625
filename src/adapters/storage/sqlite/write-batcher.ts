/**
 * Group commit: writes queued during one turn of the event loop are handed to `commit`
 * together, at most `maxBatch` at a time, in arrival order.
 *
 * The flush runs from `setImmediate`, after the I/O callbacks of the current turn, so writes
 * that arrive together (several requests read from sockets in one turn, or one caller's
 * `Promise.all`) share a transaction and, with synchronous=FULL, one fsync. `commit` settles
 * every write it is given; it must not throw.
 */
export class WriteBatcher<W> {
  private queue: W[] = [];
  private scheduled = false;

  constructor(
    private readonly commit: (batch: W[]) => void,
    private readonly maxBatch: number,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  push(write: W): void {
    this.queue.push(write);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits everything queued now (also used by close). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      this.commit(batch);
    }
  }
}
