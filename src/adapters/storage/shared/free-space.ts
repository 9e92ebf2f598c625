import { statfsSync } from 'node:fs';

/**
 * Free bytes a store needs on its file system before it counts a full disk as over: a store
 * that met "no space left" stays not ready until at least this much is free again (or a write
 * succeeds).
 */
export const ENOUGH_FREE_BYTES = 1024 * 1024;

/** Bytes an unprivileged writer may still use on the file system holding `path`; undefined when it cannot tell. */
export function freeBytes(path: string): number | undefined {
  try {
    const st = statfsSync(path);
    return Number(st.bavail) * Number(st.bsize);
  } catch {
    return undefined;
  }
}

/** Whether `err` (or its cause) is a file system's "no space left on device". */
export function isNoSpaceError(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/** The UTF-8 size of a stored value, what quotas count. */
export function storedBytes(text: string | null | undefined): number {
  return text == null ? 0 : Buffer.byteLength(text, 'utf8');
}
