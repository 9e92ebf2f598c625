import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Temp files start with this; at startup any left by a crash are removed. */
export const TEMP_FILE_PREFIX = '.tmp-';

/**
 * Objects may hold anything an API server stores, secrets included: only the owner reads
 * them (as etcd keeps its data directory).
 */
export const FILE_MODE = 0o600;
export const DIRECTORY_MODE = 0o700;

export function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_FILE_PREFIX);
}

/**
 * A file operation that failed. `visible` tells whether the change may already be visible in
 * the file system (the rename or unlink happened, a later sync failed): the caller should then
 * treat the change as made, since a restart will read it.
 */
export class FileWriteError extends Error {
  constructor(
    message: string,
    readonly visible: boolean,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'FileWriteError';
  }
}

/**
 * Writes and removes files so that a crash at any point leaves either the old or the new
 * content, never a mix: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory. With `fsync` false the syncs are skipped: a crash of the process
 * still loses nothing (the kernel has the data), a power loss may lose recent writes.
 */
export class DurableFiles {
  constructor(
    private readonly root: string,
    private readonly fsync: boolean,
  ) {}

  /** Replaces (or creates) `file` with `text`, atomically. */
  async write(file: string, text: string): Promise<void> {
    const dir = dirname(file);
    await this.ensureDirectory(dir).catch((err: unknown) => {
      throw new FileWriteError(`cannot create directory ${dir}: ${message(err)}`, false, err);
    });
    const temp = join(dir, TEMP_FILE_PREFIX + randomBytes(8).toString('hex'));
    try {
      const handle = await open(temp, 'wx', FILE_MODE);
      try {
        await handle.writeFile(text, 'utf8');
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new FileWriteError(`cannot write ${file}: ${message(err)}`, false, err);
    }
    try {
      await this.syncDirectory(dir);
    } catch (err) {
      throw new FileWriteError(`wrote ${file} but cannot sync its directory: ${message(err)}`, true, err);
    }
  }

  /** Removes `file` (gone already counts as removed) and, best effort, directories left empty. */
  async remove(file: string): Promise<void> {
    const dir = dirname(file);
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new FileWriteError(`cannot remove ${file}: ${message(err)}`, false, err);
      }
    }
    try {
      await this.syncDirectory(dir);
    } catch (err) {
      throw new FileWriteError(`removed ${file} but cannot sync its directory: ${message(err)}`, true, err);
    }
    await this.pruneEmptyDirectories(dir);
  }

  /** Flushes a directory's entries (new, renamed or removed files) to disk. */
  async syncDirectory(dir: string): Promise<void> {
    // Windows cannot open a directory for syncing; its rename is durable on its own terms.
    if (!this.fsync || process.platform === 'win32') return;
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Creates `dir` and its missing parents, syncing each parent that gained an entry. */
  private async ensureDirectory(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true, mode: DIRECTORY_MODE });
    if (first === undefined) return;
    for (let d = dir; ; d = dirname(d)) {
      await this.syncDirectory(dirname(d));
      if (d === first || d === this.root || dirname(d) === d) break;
    }
  }

  /**
   * Removes `dir` and its parents up to (not including) the root while they are empty, so
   * deleted namespaces and types leave no empty folders behind. Writes are serialized by the
   * store, so no write can be creating a file in them meanwhile.
   */
  private async pruneEmptyDirectories(dir: string): Promise<void> {
    for (let d = dir; d !== this.root && d.startsWith(this.root) && dirname(d) !== d; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
