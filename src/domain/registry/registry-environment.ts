import type { Clock } from '../../ports/clock.port.js';
import type { IdSource } from '../../ports/id-source.port.js';
import type { ObjectStore } from '../../ports/object-store.port.js';

/** Tunables of the generic registry; every field has a default. */
export interface RegistryOptions {
  /** Events a watcher may fall behind before it is ended with a 410 it can re-list from. */
  watchQueueLimit: number;
  /** How often a watch that allows bookmarks gets one. */
  bookmarkIntervalMs: number;
  /** Retries of a read-modify-write that lost a compare-and-swap race (no client precondition). */
  conflictRetries: number;
  /** How long a request for a resourceVersion newer than the store's waits before 504. */
  tooLargeResourceVersionWaitMs: number;
}

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = {
  watchQueueLimit: 10_000,
  bookmarkIntervalMs: 30_000,
  conflictRetries: 100,
  tooLargeResourceVersionWaitMs: 3_000,
};

/** What a registry needs from outside the domain, through ports. */
export interface RegistryEnvironment {
  store: ObjectStore;
  clock: Clock;
  ids: IdSource;
  options?: Partial<RegistryOptions>;
}
