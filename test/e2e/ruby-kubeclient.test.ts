/**
 * Ruby's kubeclient (Debian's ruby-kubeclient 4.9) against one kit server over HTTPS: CRUD, a
 * 409 conflict, merge patch, a label selector, and `watch_*`, which use the legacy
 * `/apis/{g}/{v}/watch/...` paths. The checks are in ruby/kubeclient_checks.rb.
 */
import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const SCRIPT = fileURLToPath(new URL('./ruby/kubeclient_checks.rb', import.meta.url));

function kubeclient(): string | undefined {
  const has = () => {
    try {
      execFileSync('ruby', ['-e', 'require "kubeclient"'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (has()) return undefined;
  if (process.getuid?.() !== 0) return 'ruby-kubeclient is not installed and this is not root';
  try {
    execFileSync('apt-get', ['install', '-y', '-q', 'ruby-kubeclient'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return `apt-get install ruby-kubeclient failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return has() ? undefined : 'ruby-kubeclient installed but does not load';
}

describe('e2e: Ruby kubeclient (Debian ruby-kubeclient)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let dir: string;

  before(async function () {
    this.timeout(240_000);
    const missing = kubeclient();
    if (missing) {
      console.log(`      skipped: ${missing}`);
      return this.skip();
    }
    server = await startTestServer((b) => b.withResource(Widget).withResource(Gadget));
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-ruby-'));
    await writeFile(join(dir, 'ca.pem'), server.ca);
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = (name: string) =>
    new Promise<void>((resolve, reject) => {
      execFile(
        'ruby',
        [SCRIPT, name],
        { timeout: 25_000, env: { PATH: '/usr/bin:/bin', HOME: dir, KIT_URL: server.url, KIT_TOKEN: server.token, KIT_CA: join(dir, 'ca.pem') } },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`${name} failed:\n${stderr}${stdout}`));
          expect(stdout.trim()).to.equal('ok');
          resolve();
        },
      );
    });

  it('CRUD, a conflict, strategic merge patch 415 and merge patch, a label selector', () => check('crud'));
  it('watch_widgets of a list and of one name over the legacy watch paths, from a resourceVersion', () => check('watch'));
});
