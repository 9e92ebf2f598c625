/**
 * Finds the etcd server binary for tests: `$ETCD_BIN`, else `etcd` on the PATH or in
 * `/usr/bin`, else (on Debian, as root) installs Debian's `etcd-server` package with apt-get.
 * Anything else fails with a message that says what to install.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

let pending: Promise<string> | undefined;

/** The path of an etcd binary, installed the first time if it is missing and we may. */
export function ensureEtcdBinary(): Promise<string> {
  pending ??= locateOrInstall().catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

async function locateOrInstall(): Promise<string> {
  if (process.env.ETCD_BIN) {
    if (await isExecutable(process.env.ETCD_BIN)) return process.env.ETCD_BIN;
    throw new Error(`ETCD_BIN=${process.env.ETCD_BIN} is not an executable file`);
  }
  const found = await locate();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform !== 'linux' || !isRoot || !(await isExecutable('/usr/bin/apt-get'))) {
    throw new Error('etcd is not installed: install it (Debian: apt-get install -y etcd-server) or set ETCD_BIN');
  }
  await aptInstall();
  const installed = await locate();
  if (!installed) throw new Error('apt-get installed etcd-server, but no etcd binary was found');
  return installed;
}

async function locate(): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'etcd');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function aptInstall(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', '-q', 'etcd-server'], { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  try {
    await install();
  } catch {
    // A fresh machine has no package lists yet.
    await run('apt-get', ['update', '-q'], { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    await install();
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
