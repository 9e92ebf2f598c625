import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStorageSpec } from './storage-spec.js';

/**
 * How to measure the bytes a `--storage` spec's store takes on disk (apiserver_storage_size_bytes):
 * a SQLite database with its write-ahead log, or every file under a file store's root.
 * Undefined for memory (nothing on disk) and etcd (its size is the etcd cluster's own metric).
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
  return undefined;
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
