/**
 * kubectl v1.20 from Debian's `kubernetes-client` package: `apt-get download` fetches the .deb
 * (no install, so no other kubectl is replaced) and `dpkg -x` unpacks it into
 * `.cache/kubectl/v1.20/`, reused afterwards. Rejects with the reason when it cannot be had.
 */
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './kubectl-binary.js';

const run = promisify(execFile);
const DIR = join(REPO_ROOT, '.cache', 'kubectl', 'v1.20');
const BINARY = join(DIR, 'kubectl');

export async function ensureDebianKubectl(): Promise<string> {
  try {
    await access(BINARY, constants.X_OK);
    return BINARY;
  } catch {
    /* fetch it */
  }
  await mkdir(join(REPO_ROOT, '.cache', 'kubectl'), { recursive: true });
  const work = await mkdtemp(join(REPO_ROOT, '.cache', 'kubectl', 'deb-'));
  try {
    await run('apt-get', ['download', '-q', 'kubernetes-client'], { cwd: work });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download kubernetes-client gave no .deb');
    await run('dpkg', ['-x', join(work, deb), join(work, 'root')]);
    await mkdir(DIR, { recursive: true });
    await rename(join(work, 'root', 'usr', 'bin', 'kubectl'), BINARY);
    return BINARY;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
