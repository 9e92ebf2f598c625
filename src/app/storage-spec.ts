import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LazyObjectStore } from './lazy-object-store.js';
import { FileSystemObjectStore } from '../adapters/storage/filesystem/filesystem-object-store.js';
import { MemoryObjectStore } from '../adapters/storage/memory/memory-object-store.js';
import { SqliteObjectStore } from '../adapters/storage/sqlite/sqlite-object-store.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import type { OutputWriter } from './server-config.js';

/** The embedded default storage. */
export const DEFAULT_STORAGE = 'sqlite:.apiserver-kit/apiserver.db';

export const STORAGE_SPEC_HELP =
  'memory | file:DIR | sqlite:FILE[?synchronous=FULL] | etcd:URL[,URL...][?prefix=/registry&ca=FILE&cert=FILE&key=FILE&timeout=MS&watchCache=off]';

/** A parsed --storage value. */
export type StorageSpec =
  | { kind: 'memory' }
  | { kind: 'file'; root: string }
  | { kind: 'sqlite'; path: string; synchronous: 'NORMAL' | 'FULL' }
  | {
      kind: 'etcd';
      endpoints: string[];
      prefix: string;
      caFile?: string;
      certFile?: string;
      keyFile?: string;
      timeoutMs?: number;
      /** `watchCache=off`: no watch cache in front of etcd (on by default). */
      watchCache?: boolean;
    };

/**
 * Parses `memory`, `file:DIR` or `sqlite:FILE` (optionally `?synchronous=FULL`). Throws an
 * Error with a clear message for anything else.
 */
export function parseStorageSpec(spec: string): StorageSpec {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  switch (kind) {
    case 'memory':
      if (rest) throw new Error(`--storage memory takes no argument, got "${spec}"`);
      return { kind: 'memory' };
    case 'file':
      if (!rest) throw new Error('--storage file:DIR needs a directory');
      return { kind: 'file', root: resolve(rest) };
    case 'sqlite': {
      const [path, query = ''] = rest.split('?', 2);
      if (!path) throw new Error('--storage sqlite:FILE needs a file');
      const params = new URLSearchParams(query);
      const sync = (params.get('synchronous') ?? 'NORMAL').toUpperCase();
      if (sync !== 'NORMAL' && sync !== 'FULL') throw new Error(`synchronous must be NORMAL or FULL, got "${sync}"`);
      for (const key of params.keys()) if (key !== 'synchronous') throw new Error(`unknown sqlite option "${key}"`);
      return { kind: 'sqlite', path: resolve(path), synchronous: sync };
    }
    case 'etcd': {
      const [list, query = ''] = rest.split('?', 2);
      const endpoints = (list ?? '').split(',').filter((e) => e !== '');
      if (endpoints.length === 0) throw new Error('--storage etcd:URL[,URL...] needs at least one endpoint');
      for (const e of endpoints) {
        if (!/^https?:\/\/[^/?#]+\/?$/.test(e)) throw new Error(`etcd endpoint "${e}" is not a URL like http://127.0.0.1:2379`);
      }
      const params = new URLSearchParams(query);
      const known = new Set(['prefix', 'ca', 'cert', 'key', 'timeout', 'watchCache']);
      for (const key of params.keys()) if (!known.has(key)) throw new Error(`unknown etcd option "${key}"`);
      const prefix = params.get('prefix') ?? '/registry';
      if (prefix !== '' && !prefix.startsWith('/')) throw new Error(`the etcd key prefix must start with "/", got "${prefix}"`);
      const timeout = params.get('timeout');
      if (timeout !== null && !/^[1-9][0-9]*$/.test(timeout)) throw new Error(`etcd timeout must be milliseconds, got "${timeout}"`);
      if ((params.get('cert') === null) !== (params.get('key') === null)) throw new Error('etcd cert and key go together');
      const watchCache = params.get('watchCache');
      if (watchCache !== null && watchCache !== 'on' && watchCache !== 'off') throw new Error(`etcd watchCache must be on or off, got "${watchCache}"`);
      return {
        kind: 'etcd',
        endpoints,
        prefix,
        caFile: params.get('ca') ?? undefined,
        certFile: params.get('cert') ?? undefined,
        keyFile: params.get('key') ?? undefined,
        timeoutMs: timeout === null ? undefined : Number(timeout),
        ...(watchCache === null ? {} : { watchCache: watchCache === 'on' }),
      };
    }
    default:
      throw new Error(`unknown storage "${spec}": expected ${STORAGE_SPEC_HELP}`);
  }
}

/**
 * A key identifying the backing store a spec names: types that name the same file, directory
 * or etcd prefix share one store (one revision counter), as the filesystem store's lock and
 * SQLite's revisions need. Each `memory` spec is a store of its own.
 */
export function storageIdentity(spec: string): string {
  const s = parseStorageSpec(spec);
  if (s.kind === 'memory') return `memory#${Math.random()}`;
  if (s.kind === 'etcd') return `etcd:${[...s.endpoints].sort().join(',')}${s.prefix}`;
  return s.kind === 'file' ? `file:${s.root}` : `sqlite:${s.path}`;
}

export interface OpenStorageOptions {
  /**
   * `--storage-quota-bytes`: the most bytes of objects a memory, file or SQLite store holds;
   * beyond it writes fail with 507. etcd has its own (`--quota-backend-bytes` on etcd).
   */
  quotaBytes?: number;
}

/** Opens the store a spec names; problems found in on-disk data go to `output`. */
export function openStorage(spec: string, output?: OutputWriter, options: OpenStorageOptions = {}): ObjectStore {
  const s = parseStorageSpec(spec);
  const quotaBytes = options.quotaBytes;
  switch (s.kind) {
    case 'memory':
      return new MemoryObjectStore({ quotaBytes });
    case 'file':
      return new FileSystemObjectStore({
        root: s.root,
        quotaBytes,
        onProblem: output ? (message) => output.write(`storage problem: file:${s.root}: ${message}\n`) : undefined,
      });
    case 'etcd': {
      if (quotaBytes !== undefined) {
        throw new Error(`--storage-quota-bytes does not apply to etcd (${spec}): set etcd's own --quota-backend-bytes`);
      }
      const tls =
        s.caFile || s.certFile
          ? {
              ca: s.caFile ? readFileSync(s.caFile) : undefined,
              cert: s.certFile ? readFileSync(s.certFile) : undefined,
              key: s.keyFile ? readFileSync(s.keyFile) : undefined,
            }
          : undefined;
      return new LazyObjectStore(`etcd:${s.endpoints.join(',')}${s.prefix}`, async () => {
        const { EtcdObjectStore } = await import('../adapters/storage/etcd/index.js');
        return new EtcdObjectStore({
          endpoints: s.endpoints,
          prefix: s.prefix,
          tls,
          requestTimeoutMs: s.timeoutMs,
          ...(s.watchCache === false ? { watchCache: false as const } : {}),
        });
      });
    }
    case 'sqlite':
      // Objects may be secrets: a new data directory is the owner's only, as the file store's and etcd's are.
      mkdirSync(dirname(s.path), { recursive: true, mode: 0o700 });
      return new SqliteObjectStore({
        path: s.path,
        synchronous: s.synchronous,
        quotaBytes,
        onProblem: output ? (message) => output.write(`storage problem: sqlite:${s.path}: ${message}\n`) : undefined,
        onCorruptRecord: output
          ? (r) => output.write(`storage problem: sqlite:${s.path}: revision ${r.revision} of ${r.key}: ${r.reason}; skipped\n`)
          : undefined,
      });
  }
}
