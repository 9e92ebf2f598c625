import type { WatchCacheOptions } from './etcd-watch-cache.js';

export interface EtcdTlsOptions {
  /** PEM of the CA that signed the etcd servers' certificates (default: the system roots). */
  ca?: Buffer | string;
  /** PEM client certificate, for etcd's `--client-cert-auth`. */
  cert?: Buffer | string;
  /** PEM key of the client certificate. */
  key?: Buffer | string;
}

export interface EtcdObjectStoreOptions {
  /** Client URLs of the etcd members, e.g. `http://127.0.0.1:2379`; `https://` ones use TLS. */
  endpoints: string[];
  /**
   * Prepended to every storage key (default `/registry`), so several servers or API groups can
   * share one etcd. Servers that serve the same objects must use the same prefix.
   */
  prefix?: string;
  /** Client TLS; setting it uses TLS for every endpoint. */
  tls?: EtcdTlsOptions;
  /**
   * The longest any one call may take, retries included (default 5000 ms). Without quorum,
   * calls fail with StorageError `Unavailable` after at most this long instead of hanging.
   */
  requestTimeoutMs?: number;
  /** How long `ready()` waits for an answer (default: the smaller of 2000 ms and requestTimeoutMs). */
  readyTimeoutMs?: number;
  /**
   * The watch cache in front of etcd (on by default): reads and watches answered from memory,
   * kept current by one etcd watch (see `etcd-watch-cache.ts`). `false` turns it off: every read
   * is an etcd read and every watch an etcd watch of its own.
   */
  watchCache?: false | WatchCacheOptions;
}

export interface ResolvedEtcdOptions {
  endpoints: string[];
  prefix: string;
  tls: EtcdTlsOptions | undefined;
  requestTimeoutMs: number;
  readyTimeoutMs: number;
  watchCache: false | WatchCacheOptions;
}

export const DEFAULT_ETCD_PREFIX = '/registry';
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** Checks the options and fills in defaults; throws a TypeError naming what is wrong. */
export function resolveEtcdOptions(options: EtcdObjectStoreOptions): ResolvedEtcdOptions {
  const endpoints = options.endpoints ?? [];
  if (!Array.isArray(endpoints) || endpoints.length === 0) throw new TypeError('etcd: at least one endpoint is required');
  for (const e of endpoints) {
    if (typeof e !== 'string' || !/^https?:\/\/[^/]+\/?$/.test(e)) {
      throw new TypeError(`etcd: an endpoint is a URL like http://127.0.0.1:2379, got "${String(e)}"`);
    }
  }
  const secure = endpoints.filter((e) => e.startsWith('https://')).length;
  if (secure !== 0 && secure !== endpoints.length) throw new TypeError('etcd: endpoints must be all http:// or all https://');
  const prefix = options.prefix ?? DEFAULT_ETCD_PREFIX;
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) {
    throw new TypeError(`etcd: the key prefix must be empty or start with "/", got "${String(prefix)}"`);
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
    throw new TypeError(`etcd: requestTimeoutMs must be a positive number, got ${requestTimeoutMs}`);
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? Math.min(2000, requestTimeoutMs);
  if (!Number.isFinite(readyTimeoutMs) || readyTimeoutMs <= 0) {
    throw new TypeError(`etcd: readyTimeoutMs must be a positive number, got ${readyTimeoutMs}`);
  }
  return {
    endpoints: endpoints.map((e) => e.replace(/\/$/, '')),
    prefix,
    tls: options.tls,
    requestTimeoutMs,
    readyTimeoutMs,
    watchCache: options.watchCache === false ? false : { ...(options.watchCache ?? {}) },
  };
}
