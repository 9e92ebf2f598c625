/**
 * Time, for the domain: the current instant and timers. The domain reads no clock and starts
 * no timer except through this port, so tests can drive time.
 */
export interface Clock {
  now(): Date;
  /** Calls `fn` once after `ms` milliseconds; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const CLOCK = Symbol.for('apiserver-kit.Clock');
