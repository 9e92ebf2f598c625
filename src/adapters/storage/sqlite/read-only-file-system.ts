import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Whether the file system holding `path` is read-only now, to explain SQLite's bare "disk I/O
 * error". Asked without touching the database file (opening and closing another descriptor of
 * it would drop SQLite's POSIX locks). Two ways, because the kernel has two kinds:
 * - a read-only mount: `access(W_OK)` answers EROFS, also for root;
 * - a file system stopped after an error (ext4 `errors=remount-ro` on newer kernels marks it
 *   `emergency_ro` and refuses writes while the mount still says `rw`): seen in the mount's
 *   super options in /proc/self/mountinfo.
 * False when it cannot tell (no such file, not Linux).
 */
export function onReadOnlyFileSystem(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EROFS') return true;
  }
  try {
    const real = realpathSync(dirname(path));
    const mount = mountOf(real, readFileSync('/proc/self/mountinfo', 'utf8'));
    return mount !== undefined && mount.options.some((o) => o === 'ro' || o === 'emergency_ro');
  } catch {
    return false;
  }
}

interface Mount {
  point: string;
  /** Per-mount and super-block options together. */
  options: string[];
}

/** The mount `path` lies in: the longest mount point that is `path` or above it (the last one mounted wins). */
function mountOf(path: string, mountinfo: string): Mount | undefined {
  let best: Mount | undefined;
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point mount-options [optional...] - type source super-options
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 6 || dash < 0) continue;
    const point = unescape(fields[4]!);
    const inside = point === '/' || path === point || path.startsWith(`${point}/`);
    if (!inside || (best !== undefined && point.length < best.point.length)) continue;
    best = { point, options: [...fields[5]!.split(','), ...(fields[dash + 3] ?? '').split(',')] };
  }
  return best;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
