import { join } from 'node:path';
import { expect } from 'chai';
import { demoServer, everything, populate, POPULATED, scratchDir, withoutResourceVersions } from '../app/fixtures/demo-objects.js';
import { runExample } from './support/server-process.js';

/**
 * `copy-storage` as users run it, through the example server's bootstrap file:
 * `tsx examples/demo/server.ts copy-storage --from file:DIR --to sqlite:FILE`.
 */
describe('e2e: examples/demo/server.ts copy-storage', function () {
  this.timeout(60_000);
  let tmp: { dir: string; cleanup(): Promise<void> };
  before(async () => {
    tmp = await scratchDir();
  });
  after(() => tmp.cleanup());

  it('moves a file store into SQLite, exit 0; the same again is refused, exit 1', async () => {
    const from = `file:${join(tmp.dir, 'data')}`;
    const to = `sqlite:${join(tmp.dir, 'moved.db')}`;
    const source = demoServer(from);
    await populate(source);
    const listed = await everything(source);
    await source.stop();

    const moved = await runExample(['copy-storage', '--from', from, '--to', to]);
    expect(moved, moved.stderr).to.include({ code: 0, stderr: '' });
    expect(moved.stdout).to.contain(`copied ${POPULATED} objects from ${from} to ${to}`);

    const target = demoServer(to);
    try {
      const now = await everything(target);
      expect(withoutResourceVersions(now.objects)).to.deep.equal(withoutResourceVersions(listed.objects));
    } finally {
      await target.stop();
    }

    const again = await runExample(['copy-storage', '--from', from, '--to', to]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain(`error: the target already holds ${POPULATED} of the keys to copy: /demo.example.com/gadgets/owner, `);
  });
});
