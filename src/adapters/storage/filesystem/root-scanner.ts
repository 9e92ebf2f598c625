import type { Dirent } from 'node:fs';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { keyProblem, OBJECT_FILE_SUFFIX, type StoragePaths } from './storage-paths.js';
import { isTempFileName } from './durable-files.js';
import { decodeObjectFile, type ObjectFile } from './object-file-format.js';

export interface ScanResult {
  /** The objects read, each with the size of its file. */
  objects: Array<ObjectFile & { bytes: number }>;
  /** One line per file or folder that was skipped, `path: why`, in path order. */
  problems: string[];
  /**
   * The files and folders among them that could not be read at all (permissions, I/O errors):
   * they may hold objects, so the store must not write as if they did not exist.
   */
  unreadable: string[];
}

/** How many files are read at once. */
const READ_CONCURRENCY = 32;

/**
 * Reads every object file under the root, at startup.
 *
 * Nothing found on disk stops the scan: a file that is not an object file of this store (not
 * `.json`, not valid JSON, truncated, another format, a key that does not match its path), a
 * hidden folder, a symbolic link or an unreadable entry is reported and skipped, and every
 * other object still loads (files and folders that cannot be read at all are also listed in
 * `unreadable`). A folder named like an object file is reported, not read. Temp files left by a crashed write are removed. The names in
 * `ownFiles` (the counter and lock files at the root) are left alone.
 */
export async function scanRoot(paths: StoragePaths, ownFiles: ReadonlySet<string>): Promise<ScanResult> {
  const problems: Array<[string, string]> = [];
  const unreadable: string[] = [];
  const files: string[] = [];
  const problem = (path: string, why: string): void => {
    problems.push([paths.display(path), why]);
  };

  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === paths.root) throw err;
      problem(dir, `cannot read the folder (${(err as Error).message}); its objects are not loaded`);
      unreadable.push(paths.display(dir));
      return;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (dir === paths.root && ownFiles.has(entry.name)) continue;
      if (isTempFileName(entry.name) && entry.isFile()) {
        // Left by a write that crashed before its rename: never acknowledged, safe to drop.
        await unlink(full).catch(() => undefined);
        continue;
      }
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.')) problem(full, 'hidden folder, not read (no key maps to it)');
        else if (entry.name.endsWith(OBJECT_FILE_SUFFIX)) problem(full, `a folder named like an object file, not read (no key maps to it; the object of its name cannot be written)`);
        else await walk(full);
      } else if (!entry.isFile()) {
        problem(full, entry.isSymbolicLink() ? 'symbolic link, not followed' : 'not a regular file or folder');
      } else if (!entry.name.endsWith(OBJECT_FILE_SUFFIX)) {
        problem(full, `not an object file (object files end in ${OBJECT_FILE_SUFFIX})`);
      } else {
        files.push(full);
      }
    }
  };
  await walk(paths.root);

  const objects: ScanResult['objects'] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      const loaded = await readObjectFile(paths, file);
      if (typeof loaded !== 'string') objects.push(loaded);
      else {
        problem(file, loaded);
        if (loaded.startsWith(CANNOT_READ)) unreadable.push(paths.display(file));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, files.length) }, worker));

  problems.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  unreadable.sort();
  return { objects, problems: problems.map(([path, why]) => `${path}: ${why}; skipped`), unreadable };
}

const CANNOT_READ = 'cannot read the file';

async function readObjectFile(paths: StoragePaths, file: string): Promise<(ObjectFile & { bytes: number }) | string> {
  const spelled = paths.keyOf(file);
  if (spelled === undefined) return 'the path is not one a storage key maps to';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return `${CANNOT_READ} (${(err as Error).message})`;
  }
  const decoded = decodeObjectFile(text);
  if (typeof decoded === 'string') return decoded;
  // A long or odd segment has an encoded name: the key is only in the file, and must map here.
  const home = keyProblem(decoded.key) === undefined ? paths.fileOf(decoded.key) : undefined;
  if (home !== file) {
    const belongs = spelled === 'encoded' ? 'its path is not that key\'s file' : `its path belongs to key ${JSON.stringify(spelled)}`;
    return `the file holds key ${JSON.stringify(decoded.key)} but ${belongs} (copied or moved?)`;
  }
  return { ...decoded, bytes: Buffer.byteLength(text, 'utf8') };
}
