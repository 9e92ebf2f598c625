import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeObjectFile } from '../../src/adapters/storage/filesystem/object-file-format.js';
import { readRevisionFile, REVISION_FILE } from '../../src/adapters/storage/filesystem/revision-counter.js';
import { type KubeLike, restoredObject, widgetKey } from './restored-objects.js';

/**
 * Writes obj-from .. obj-(to-1) as object files of the filesystem store under `root` (no
 * store may have it open), with revisions above its counter, and moves the counter up.
 */
export async function restoreIntoFileStore(root: string, template: KubeLike, from: number, to: number): Promise<void> {
  const dir = join(root, 'demo.example.com', 'widgets', 'default');
  mkdirSync(dir, { recursive: true });
  let revision = (await readRevisionFile(join(root, REVISION_FILE))) ?? 0;
  for (let i = from; i < to; i++) {
    const name = `obj-${i}`;
    revision++;
    const object = { ...restoredObject(template, name) } as KubeLike;
    object.metadata = { ...object.metadata, resourceVersion: String(revision) };
    writeFileSync(join(dir, `${name}.json`), encodeObjectFile({ key: widgetKey(name), revision, object: object as never }));
  }
  writeFileSync(join(root, REVISION_FILE), `${revision}\n`);
}
