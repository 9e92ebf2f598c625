import { StorageError } from '../../../ports/object-store.port.js';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Every object file ends in this; directories never do (see {@link StoragePaths.fileOf}). */
export const OBJECT_FILE_SUFFIX = '.json';

/** Most file systems limit one path segment to 255 bytes. */
const MAX_SEGMENT_BYTES = 255;

/**
 * Maps storage keys to files under the root: `/group/plural/namespace/name` is
 * `root/group/plural/namespace/name.json`.
 *
 * Keys come from object names, which are DNS subdomains, so no escaping is needed; anything
 * that could leave the root or collide with the store's own files is refused instead: empty
 * segments, `.` and `..`, segments starting with `.` (the store's own files and temp files
 * are dot-files), NUL, backslashes and control characters, a directory segment ending in
 * `.json` (it could be the file of a shorter key), and segments too long for the file system.
 *
 * Not handled: case-insensitive or normalizing file systems (macOS, Windows) fold keys that
 * differ only in case; Kubernetes names are lower case, so real keys do not.
 */
export class StoragePaths {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The object file of `key`. Throws StorageError `InvalidKey` for a key that cannot be stored safely. */
  fileOf(key: string): string {
    const problem = keyProblem(key);
    if (problem !== undefined) throw StorageError.invalidKey(key, problem);
    const file = join(this.root, ...key.slice(1).split('/')) + OBJECT_FILE_SUFFIX;
    // Belt and braces: the checks above already keep every key inside the root.
    const rel = relative(this.root, file);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw StorageError.invalidKey(key, 'it resolves outside the root');
    return file;
  }

  /** The key whose file is `file`, or undefined when `file` is not a well-formed object file name. */
  keyOf(file: string): string | undefined {
    const rel = relative(this.root, file);
    if (!rel.endsWith(OBJECT_FILE_SUFFIX) || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const key = '/' + rel.slice(0, -OBJECT_FILE_SUFFIX.length).split(sep).join('/');
    return keyProblem(key) === undefined ? key : undefined;
  }

  /** `file` relative to the root, `/`-separated, for messages. */
  display(file: string): string {
    return relative(this.root, file).split(sep).join('/');
  }
}

/** Why `key` cannot name a file under the root, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || !key.startsWith('/')) return 'it must start with "/"';
  const segments = key.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '') return 'it has an empty segment';
    if (s === '.' || s === '..') return `segment "${s}" is not allowed`;
    if (s.startsWith('.')) return `segment "${s}" starts with "."`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f\\]/.test(s)) return `segment ${JSON.stringify(s)} holds a control character or a backslash`;
    if (!last && s.toLowerCase().endsWith(OBJECT_FILE_SUFFIX)) return `directory segment "${s}" ends in ${OBJECT_FILE_SUFFIX}`;
    const bytes = Buffer.byteLength(s) + (last ? OBJECT_FILE_SUFFIX.length : 0);
    if (bytes > MAX_SEGMENT_BYTES) return `segment "${s.slice(0, 40)}..." is too long for a file name (${bytes} > ${MAX_SEGMENT_BYTES} bytes)`;
  }
  return undefined;
}
