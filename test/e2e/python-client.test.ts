/**
 * The official Python client (Debian's python3-kubernetes, run with /usr/bin/python3) against
 * one kit server over HTTPS: typed CustomObjectsApi CRUD, conflicts, patches, status and scale,
 * selectors, paging, the dynamic client (discovery through /api and /apis), watch.Watch with
 * resume and 410, an informer-style loop under 200 concurrent writes. The checks are in
 * python/client_checks.py, one process per check.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { MemoryObjectStore } from '../../src/adapters/storage/memory/memory-object-store.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/client_checks.py', import.meta.url));

function pythonClient(): string | undefined {
  const has = () => {
    try {
      execFileSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (has()) return undefined;
  if (process.getuid?.() !== 0) return 'python3-kubernetes is not installed and this is not root';
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'python3-kubernetes'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return `apt-get install python3-kubernetes failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return has() ? undefined : 'python3-kubernetes installed but does not import';
}

describe('e2e: Python kubernetes client (Debian python3-kubernetes)', function () {
  this.timeout(40_000);
  let server: TestServer;
  let dir: string;
  let caFile: string;

  before(async function () {
    this.timeout(240_000);
    const missing = pythonClient();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      return this.skip();
    }
    // A history of 50 changes: the informer's watch falls behind under 200 writes and re-lists.
    server = await startTestServer((b) => b.withStorage(new MemoryObjectStore({ historyLimit: 50 })).withResource(Widget).withResource(Gadget));
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-python-'));
    caFile = join(dir, 'ca.pem');
    await writeFile(caFile, server.ca);
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = (name: string) =>
    new Promise<void>((resolve, reject) => {
      execFile(
        PYTHON,
        [SCRIPT, name],
        { timeout: 35_000, env: { PATH: '/usr/bin:/bin', HOME: dir, KIT_URL: server.url, KIT_TOKEN: server.token, KIT_CA: caFile } },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`${name} failed:\n${stderr}${stdout}`));
          expect(stdout.trim()).to.equal('ok');
          resolve();
        },
      );
    });

  it('CustomObjectsApi: CRUD, conflicts, merge patch, status, scale', () => check('crud'));
  it('label and field selectors, paging with limit and continue', () => check('selectors_and_paging'));
  it('the dynamic client discovers Widget and reads, patches, lists, deletes', () => check('dynamic_client'));
  it('watch.Watch from a resourceVersion, and 410 from an expired one', () => check('watch_resume'));
  it('an informer-style list+watch loop under 200 concurrent writes ends equal to a final list', () => check('informer'));
});
