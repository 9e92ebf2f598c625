/**
 * Waiting in tests for what a test needs to be true, instead of sleeping for a time that is too
 * long on a fast machine and too short on a loaded one.
 */

/** Wakes the `waitFor` calls listening to it: a recorder calls `notify()` when it has news. */
export class Signal {
  private waiters: Array<() => void> = [];

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Resolves at the next `notify()`. */
  next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface WaitOptions {
  /** How long to wait before failing; 10 s unless given. */
  timeoutMs?: number;
  /** What is awaited, for the failure message ("3 watch events"). */
  what?: string;
  /** What was seen instead, added to the failure message. */
  detail?: () => string;
  /** Check again when this signals, rather than polling (event-driven). */
  wakeOn?: Signal;
  /** Without `wakeOn`: how often to check; 10 ms unless given. */
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Resolves with the first truthy value of `condition` (which may be async), checked at once,
 * then at each `wakeOn` signal or every `intervalMs`, and once more when the time is up; fails
 * after `timeoutMs` with `what` and `detail()`. An error `condition` throws ends the wait with
 * that error. No timer is left behind either way.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let expired = false;
  let expiryTimer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => {
    expiryTimer = setTimeout(() => {
      expired = true;
      resolve();
    }, timeoutMs);
  });
  let pollTimer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const value = await condition();
      if (value) return value as Truthy<T>;
      if (expired) {
        const detail = options.detail ? `; ${options.detail()}` : '';
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'the condition'}${detail}`);
      }
      const wake = options.wakeOn
        ? options.wakeOn.next()
        : new Promise<void>((resolve) => (pollTimer = setTimeout(resolve, options.intervalMs ?? 10)));
      await Promise.race([expiry, wake]);
      clearTimeout(pollTimer);
    }
  } finally {
    clearTimeout(expiryTimer);
    clearTimeout(pollTimer);
  }
}
