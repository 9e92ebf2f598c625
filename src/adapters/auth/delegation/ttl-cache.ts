/**
 * Answers kept for a while, by key, as k8s.io/apiserver's webhook caches keep them: each
 * entry with its own lifetime, and calls for a key already being asked about wait for that
 * one answer instead of asking again. Failures are not kept. At most `maxEntries` are kept
 * (the oldest go first).
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(
    private readonly ttlOf: (value: T) => number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 4096,
  ) {}

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) return entry.value;
    if (entry) this.entries.delete(key);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = load().then(
        (value) => {
          this.inFlight.delete(key);
          const ttl = this.ttlOf(value);
          if (ttl > 0) {
            if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
            this.entries.set(key, { value, expires: this.now() + ttl });
          }
          return value;
        },
        (err: unknown) => {
          this.inFlight.delete(key);
          throw err;
        },
      );
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}
