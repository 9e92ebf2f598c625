import { readFile } from 'node:fs/promises';
import type { DurableFiles } from './durable-files.js';

/** The counter file's name, directly under the root. */
export const REVISION_FILE = '.revision';

/**
 * Hands out revisions so that none is ever handed out twice, also across crashes and restarts.
 *
 * The file `root/.revision` holds a ceiling: every revision handed out so far is at or below
 * it. Revisions are reserved in blocks: before the first revision above the ceiling is used,
 * the ceiling moves up by `block` and is written atomically and durably, so a write never
 * carries a revision the file does not cover. A crash anywhere loses at most the unused rest
 * of a block: the next process starts above the ceiling, so revisions may be skipped (a
 * restart after a crash makes them jump by up to `block`), never reused. Deletions leave no file behind, so
 * the ceiling is the only record of their revisions.
 *
 * Not safe for concurrent callers: the store serializes its writes.
 */
export class RevisionCounter {
  private issued: number;
  private ceiling: number;

  constructor(
    private readonly file: string,
    private readonly files: DurableFiles,
    private readonly block: number,
    /** Every revision at or below this one may have been handed out already. */
    start: number,
  ) {
    this.issued = start;
    this.ceiling = start;
  }

  /** The newest revision handed out (its write may have failed). */
  get last(): number {
    return this.issued;
  }

  /**
   * Lowers the ceiling in the file to the last revision handed out, when the store closes: no
   * revision is handed out after that, so a clean restart continues right after it instead of
   * after the reserved block. (A crash keeps the block; revisions then jump.)
   */
  async settle(): Promise<void> {
    if (this.ceiling === this.issued) return;
    await this.files.write(this.file, `${this.issued}\n`);
    this.ceiling = this.issued;
  }

  /** The next revision, once the file covers it. Rejects when the file cannot be written. */
  async next(): Promise<number> {
    const revision = this.issued + 1;
    if (revision > this.ceiling) {
      const ceiling = this.issued + this.block;
      await this.files.write(this.file, `${ceiling}\n`);
      this.ceiling = ceiling;
    }
    this.issued = revision;
    return revision;
  }
}

/** What to do when the counter cannot be trusted, for messages that refuse to open. */
export const COUNTER_RECOVERY =
  'To recover, write into it a number larger than any resourceVersion clients may have seen ' +
  '(e.g. the highest "revision" of the object files plus 1000000).';

/** The ceiling in a counter file; undefined when there is none. Throws when the file is unreadable or damaged. */
export async function readRevisionFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the revision counter ${file}: ${(err as Error).message}`);
  }
  const match = /^\s*(\d{1,16})\s*$/.exec(text);
  const value = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new Error(
      `the revision counter ${file} is damaged (${JSON.stringify(text.slice(0, 40))}); ` +
        `refusing to open, since resourceVersions could be reused. ${COUNTER_RECOVERY}`,
    );
  }
  return value;
}
