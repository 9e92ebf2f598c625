import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { executeCommand } from '../../src/app/cli.js';
import { ServerBuilder } from '../../src/app/server-builder.js';
import { demoServer, everything, populate, POPULATED, scratchDir, withoutResourceVersions } from './fixtures/demo-objects.js';

/** Runs the command line in this process, with stdout and stderr captured. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const builder = new ServerBuilder().withOutputWriter({ write: (t: string) => (out += t) });
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await executeCommand(builder, argv);
    return { code, out, err };
  } finally {
    process.stderr.write = original;
  }
}

describe('CLI: copy-storage', () => {
  let tmp: { dir: string; cleanup(): Promise<void> };
  let files: string;
  let db: string;
  beforeEach(async () => {
    tmp = await scratchDir();
    files = `file:${join(tmp.dir, 'files')}`;
    db = `sqlite:${join(tmp.dir, 'x.db')}`;
  });
  afterEach(() => tmp.cleanup());

  async function populated(spec: string) {
    const server = demoServer(spec);
    await populate(server);
    const listed = await everything(server);
    await server.stop();
    return listed;
  }

  it('copies, says how many and that clients must re-list; a second copy is refused, then skipped', async () => {
    const listed = await populated(files);
    const first = await run(['copy-storage', '--from', files, '--to', db]);
    expect(first, first.err).to.include({ code: 0, err: '' });
    expect(first.out).to.match(new RegExp(`^copied ${POPULATED} objects from file:\\S+/files to sqlite:\\S+/x\\.db \\(source revision \\d+\\)$`, 'm'));
    expect(first.out).to.contain('re-list');

    const again = await run(['copy-storage', '--from', files, '--to', db]);
    expect(again.code).to.equal(1);
    expect(again.err).to.contain('/demo.example.com/').and.to.contain('nothing was copied');

    const skipping = await run(['copy-storage', '--from', files, '--to', db, '--if-exists', 'skip']);
    expect(skipping.code, skipping.err).to.equal(0);
    expect(skipping.out).to.contain(`copied 0 objects`).and.to.contain(`${POPULATED} already there and skipped`);

    const after = demoServer(db);
    expect(withoutResourceVersions((await everything(after)).objects)).to.deep.equal(withoutResourceVersions(listed.objects));
    await after.stop();
  });

  it('copies what it can read, reports a damaged source object, and exits 1', async () => {
    await populated(files);
    await writeFile(join(tmp.dir, 'files', 'demo.example.com', 'widgets', 'default', 'broken.json'), '{"apiVersion": "demo.exa');
    const r = await run(['copy-storage', '--from', files, '--to', db]);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('broken.json').and.to.contain('damaged objects named there were not');
    expect(r.out).to.contain(`copied ${POPULATED} objects`);
  });

  it('refuses memory, one storage as both ends, a missing source and unknown options', async () => {
    expect(await run(['copy-storage', '--from', 'memory', '--to', db])).to.include({ code: 2 }).and.have.property('err').that.contains('memory');
    expect((await run(['copy-storage', '--from', db, '--to', 'memory'])).code).to.equal(2);
    expect((await run(['copy-storage', '--from', db, '--to', `sqlite:${join(tmp.dir, '.', 'x.db')}`])).err).to.contain('same storage');
    expect((await run(['copy-storage', '--from', files])).err).to.contain('--from SPEC and --to SPEC');
    expect((await run(['copy-storage', '--from', files, '--to', db, '--if-exists', 'merge'])).code).to.equal(2);
    expect((await run(['copy-storage', '--from', files, '--to', db, '--secure-port', '1'])).code).to.equal(2);
    expect((await run(['copy-storage', '--from', 'nope:x', '--to', db])).err).to.contain('unknown storage');

    const missing = await run(['copy-storage', '--from', `sqlite:${join(tmp.dir, 'typo.db')}`, '--to', files]);
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain('typo.db does not exist');
    expect(existsSync(join(tmp.dir, 'typo.db'))).to.equal(false);
    expect(existsSync(join(tmp.dir, 'files'))).to.equal(false);
  });

  it('an unknown command is a usage error; --help names the subcommand', async () => {
    const unknown = await run(['copy-store']);
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.contain('unknown command "copy-store"');
    const help = await run(['--help']);
    expect(help.code).to.equal(0);
    expect(help.out).to.contain('copy-storage --from SPEC --to SPEC').and.to.contain('--storage SPEC');
    const sub = await run(['copy-storage', '--help']);
    expect(sub.out).to.contain('--if-exists').and.to.contain('re-list');
  });
});
