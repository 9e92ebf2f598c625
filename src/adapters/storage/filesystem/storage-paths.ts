import { StorageError } from '../../../ports/object-store.port.js';
import { createHash } from 'node:crypto';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Every object file ends in this; directories never do (see {@link StoragePaths.fileOf}). */
export const OBJECT_FILE_SUFFIX = '.json';

/**
 * Maps storage keys to files under the root: `/group/plural/namespace/name` is
 * `root/group/plural/namespace/name.json`.
 *
 * A segment that cannot be a file or folder name as it is gets an encoded name instead:
 * segments too long for the file system (a 253-character object name with `.json` is 258
 * bytes), segments starting with `.` (the store's own files and temp files are dot-files),
 * holding control characters or a backslash, a folder segment ending in `.json` (it could be
 * the file of a shorter key), and segments that look like an encoded name themselves. The
 * encoded name is a readable prefix of the segment, `~`, and the SHA-256 of the segment in hex
 * (`aaaa…aaaa~3f0c…9d.json`, at most 136 bytes); the file holds the full key, which is what the
 * store reads back (see {@link StoragePaths.fileOf} and the scanner). Segments that needed no
 * encoding keep the plain name they always had, so existing stores read as before.
 *
 * Refused (`InvalidKey`), as no object name makes them: keys not starting with `/`, empty
 * segments, `.` and `..`.
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
    const segments = key.slice(1).split('/');
    const names = segments.map((s, i) => fileName(s, i === segments.length - 1));
    const file = join(this.root, ...names);
    // Belt and braces: the checks above already keep every key inside the root.
    const rel = relative(this.root, file);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw StorageError.invalidKey(key, 'it resolves outside the root');
    return file;
  }

  /**
   * The key whose file is `file`, when its path spells the key out (no encoded segment);
   * `encoded` when a segment is encoded (the key is only in the file); undefined when `file`
   * is not a name this store gives object files.
   */
  keyOf(file: string): string | 'encoded' | undefined {
    const rel = relative(this.root, file);
    if (!rel.endsWith(OBJECT_FILE_SUFFIX) || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const segments = rel.slice(0, -OBJECT_FILE_SUFFIX.length).split(sep);
    if (segments.some((s) => ENCODED.test(s))) return 'encoded';
    const key = '/' + segments.join('/');
    if (keyProblem(key) !== undefined) return undefined;
    return this.fileOf(key) === file ? key : undefined;
  }

  /** `file` relative to the root, `/`-separated, for messages. */
  display(file: string): string {
    return relative(this.root, file).split(sep).join('/');
  }
}

/** Most file systems limit one path segment to 255 bytes. */
const MAX_SEGMENT_BYTES = 255;
/** How much of an encoded segment is kept readable in its name. */
const READABLE_PREFIX = 64;
/** An encoded segment's name (without `.json`): `<readable prefix>~<sha-256 hex>`. */
const ENCODED = /~[0-9a-f]{64}$/;

/** Why `key` cannot be stored at all, or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || !key.startsWith('/')) return 'it must start with "/"';
  for (const s of key.slice(1).split('/')) {
    if (s === '') return 'it has an empty segment';
    if (s === '.' || s === '..') return `segment "${s}" is not allowed`;
  }
  return undefined;
}

/** The file or folder name of one key segment: the segment, or its encoded form. */
function fileName(segment: string, last: boolean): string {
  const suffix = last ? OBJECT_FILE_SUFFIX : '';
  if (!needsEncoding(segment, last)) return segment + suffix;
  const readable = segment
    .slice(0, READABLE_PREFIX)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\./, '_');
  return `${readable}~${createHash('sha256').update(segment, 'utf8').digest('hex')}${suffix}`;
}

function needsEncoding(s: string, last: boolean): boolean {
  if (s.startsWith('.')) return true;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(s)) return true;
  if (!last && s.toLowerCase().endsWith(OBJECT_FILE_SUFFIX)) return true;
  if (ENCODED.test(s)) return true;
  return Buffer.byteLength(s) + (last ? OBJECT_FILE_SUFFIX.length : 0) > MAX_SEGMENT_BYTES;
}
