/**
 * The package as users install it: `npm pack`, then a fresh project with only the tarball, zod
 * and TypeScript, a strict type-check of a program that uses every subpath, and a run of it.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PROGRAM = `
import { z } from 'zod';
import { defineResource, ServerBuilder, ApiError } from 'apiserver-kit';
import { connect, informer, SharedInformerFactory, WorkQueue, enqueueKeys, type EventHandler } from 'apiserver-kit/client';
import { startServer, ManualClock, describeObjectStoreContract } from 'apiserver-kit/testing';
import { MemoryObjectStore, type MemoryObjectStoreOptions } from 'apiserver-kit/storage/memory';
import { FileSystemObjectStore } from 'apiserver-kit/storage/filesystem';
import { SqliteObjectStore } from 'apiserver-kit/storage/sqlite';
import { EtcdObjectStore, type EtcdObjectStoreOptions } from 'apiserver-kit/storage/etcd';

const Thing = defineResource({
  group: 'pack.example.com', version: 'v1', kind: 'Thing', plural: 'things', scope: 'Namespaced',
  spec: z.object({ size: z.number().int() }),
});

const opts: MemoryObjectStoreOptions = {};
const etcdOpts: Partial<EtcdObjectStoreOptions> = {};
void etcdOpts; void opts;
if (typeof describeObjectStoreContract !== 'function') throw new Error('no contract suite');
for (const cls of [MemoryObjectStore, FileSystemObjectStore, SqliteObjectStore, EtcdObjectStore]) {
  if (typeof cls !== 'function') throw new Error('a store class is missing');
}
new ManualClock().advance(1);
const server = await startServer((b: ServerBuilder) => b.withResource(Thing));
const client = connect({ kubeconfig: server.kubeconfig });
const things = client.resource(Thing, 'default');
const made = await things.create({ metadata: { name: 'one' }, spec: { size: 3 } });
const size: number = made.spec.size;
const missing = await things.get('two').catch((e: unknown) => e);
const cache = informer(client.resource(Thing));
const sizes: number[] = [];
const handler: EventHandler<typeof made> = { onAdd: (t) => void sizes.push(t.spec.size) };
cache.addEventHandler(handler);
const queue = new WorkQueue<string>({ clock: new ManualClock() });
cache.addEventHandler(enqueueKeys(queue));
await cache.start().waitForSync();
const cached: number | undefined = cache.lister.namespace('default').get('one')?.spec.size;
await cache.stop();
if (cached !== 3 || sizes[0] !== 3 || (await queue.get()) !== 'default/one') throw new Error('the informer did not see the thing');
void new SharedInformerFactory(client).forResource(Thing);
client.close();
await server.stop();
console.log(JSON.stringify({ size, reason: (missing as ApiError).reason }));
`;

describe('the packed package, installed in a fresh project', function () {
  this.timeout(180_000);
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds no tests or benchmarks, type-checks every subpath in strict mode, and runs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files.filter((f) => /^(test|bench|examples|src)\//.test(f) || /\.test\./.test(f))).to.deep.equal([]);
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))!;
    const project = join(dir, 'project');
    execFileSync('mkdir', ['-p', project]);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', join(dir, tarball), 'zod@^4', 'typescript@5.9', '@types/node@20'], { cwd: project, stdio: 'ignore' });
    await writeFile(join(project, 'main.ts'), PROGRAM);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out' }, include: ['main.ts'] }),
    );
    execFileSync(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8' });
    const out = execFileSync(process.execPath, [join(project, 'out', 'main.js')], { cwd: project, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).to.deep.equal({ size: 3, reason: 'NotFound' });
  });
});
