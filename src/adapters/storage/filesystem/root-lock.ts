import { open, readFile, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** The lock file's name, directly under the root. */
export const LOCK_FILE = '.lock';

/** Roots open in this process. */
const held = new Set<string>();

/**
 * Keeps two stores from serving one root at the same time: two writers would hand out the same
 * revisions and overwrite each other's files. (SQLite is the choice for several processes on
 * one store.)
 *
 * Within a process the root is remembered; across processes `root/.lock` holds the owner's
 * pid. A lock whose process is gone (a crash, SIGKILL) is stale and taken over. This is
 * advisory and best effort: a pid reused by an unrelated live process keeps the root locked
 * until the file is removed by hand (the error says so).
 */
export class RootLock {
  private released = false;

  private constructor(
    /** The real path of the root, as remembered in `held`. */
    private readonly root: string,
    private readonly file: string,
  ) {}

  static async acquire(root: string): Promise<RootLock> {
    // The real path, so that two names of one folder (a symlink) count as one root.
    const real = await realpath(root);
    if (held.has(real)) throw new Error(`${root} is already open by another store in this process`);
    held.add(real);
    const file = join(root, LOCK_FILE);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const handle = await open(file, 'wx', 0o600);
          try {
            await handle.writeFile(`${process.pid}\n`, 'utf8');
          } finally {
            await handle.close();
          }
          return new RootLock(real, file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
        }
        const owner = await readOwner(file);
        if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
          throw new Error(
            `${root} is in use by process ${owner} (see ${file}); ` +
              'one store per directory. If that process is not an apiserver-kit server, remove the file.',
          );
        }
        await unlink(file).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
    } catch (err) {
      held.delete(real);
      throw err;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await unlink(this.file);
    } catch {
      // A missing lock file is as good as a removed one.
    } finally {
      held.delete(this.root);
    }
  }
}

async function readOwner(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
