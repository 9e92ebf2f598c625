/**
 * Runs async tasks one at a time, in the order they were queued: the store's writes, so that
 * compare-and-swap checks and revision order hold across the awaits of file I/O.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Tasks queued or running. */
  get length(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    const done = (): void => {
      this.pending--;
    };
    // The chain goes on whether a task succeeds or fails.
    this.tail = result.then(done, done);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
