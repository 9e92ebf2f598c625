import { injectable } from 'inversify';
import type { Clock } from '../../ports/clock.port.js';

/** The machine's clock and timers. Timers do not keep the process alive. */
@injectable()
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }

  setTimer(ms: number, fn: () => void): () => void {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  }
}
