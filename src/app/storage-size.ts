import { lstat, readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { parseStorageSpec, type StorageSpec } from './storage-spec.js';

/**
 * How to measure the bytes a `--storage` spec's store takes on disk (apiserver_storage_size_bytes):
 * a SQLite database with its write-ahead log, every file under a file store's root, or the
 * database size etcd reports (its maintenance status, as kube-apiserver reads it). Undefined
 * for memory (nothing on disk).
 */
export function storageSizeProbe(spec: string): (() => Promise<number>) | undefined {
  const s = parseStorageSpec(spec);
  if (s.kind === 'sqlite') {
    return async () => {
      const main = await lstat(s.path);
      let total = main.size;
      for (const extra of ['-wal', '-shm']) total += await lstat(`${s.path}${extra}`).then((st) => st.size, () => 0);
      return total;
    };
  }
  if (s.kind === 'file') return () => treeSize(s.root);
  if (s.kind === 'etcd') return () => etcdDbSize(s);
  return undefined;
}

/** etcd's `dbSize` from the first endpoint that answers its maintenance status (the gRPC gateway's `/v3/maintenance/status`). */
async function etcdDbSize(s: Extract<StorageSpec, { kind: 'etcd' }>): Promise<number> {
  const [ca, cert, key] = await Promise.all([s.caFile, s.certFile, s.keyFile].map((f) => (f ? readFile(f) : Promise.resolve(undefined))));
  let last: unknown = new Error('no etcd endpoint');
  for (const endpoint of s.endpoints) {
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const url = new URL('/v3/maintenance/status', endpoint);
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = send(url, { method: 'POST', ca, cert, key, timeout: s.timeoutMs ?? 2000, headers: { 'Content-Type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`etcd status answered ${res.statusCode}`))));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('etcd status timed out')));
        req.on('error', reject);
        req.end('{}');
      });
      const size = Number((JSON.parse(body) as { dbSize?: string | number }).dbSize);
      if (Number.isFinite(size) && size >= 0) return size;
      last = new Error('etcd status without dbSize');
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const pending = [dir];
  let first = true;
  while (pending.length > 0) {
    const at = pending.pop()!;
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch (err) {
      // The root not made yet: no size; a folder gone meanwhile: skipped.
      if (first) throw err;
      continue;
    }
    first = false;
    for (const e of entries) {
      const path = join(at, e.name);
      if (e.isDirectory()) pending.push(path);
      else if (e.isFile()) total += await lstat(path).then((st) => st.size, () => 0);
    }
  }
  return total;
}
