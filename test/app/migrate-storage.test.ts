import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteObjectStore } from '../../src/adapters/storage/sqlite/sqlite-object-store.js';
import { migrateObjects } from '../../src/app/migrate-storage.js';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { KubeObject } from '../../src/domain/meta/types.js';
import { Widget } from '../../examples/demo/widget.resource.js';
import { waitFor } from '../support/wait-for.js';

const COUNT = 300;
const key = (name: string) => `/demo.example.com/widgets/default/${name}`;

/** Objects as a server whose storage version was v1alpha1 wrote them. */
async function seedOldVersion(store: SqliteObjectStore): Promise<void> {
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < COUNT; i++) {
    const name = `w${String(i).padStart(3, '0')}`;
    writes.push(
      store.create(key(name), {
        apiVersion: 'demo.example.com/v1alpha1',
        kind: 'Widget',
        metadata: { name, namespace: 'default', uid: `u${i}`, creationTimestamp: '2026-12-01T00:00:00Z', generation: 1 },
        spec: { color: 'green', size: i % 2 ? 'medium' : 'large' },
      }),
    );
  }
  await Promise.all(writes);
}

describe('migrate-storage', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kit-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites every object in the storage version while a server writes the same objects, losing no write', async () => {
    const file = join(dir, 'db.sqlite');
    const seeding = new SqliteObjectStore({ path: file });
    await seedOldVersion(seeding);
    await seeding.close();

    // A serving server and the migration, each on its own connection to the file.
    const served = new SqliteObjectStore({ path: file });
    const server = new ServerBuilder().withStorage(served).withResource(Widget).build();
    const widgets = server.client().resource(Widget, 'default');
    const migrating = new SqliteObjectStore({ path: file });

    const names = Array.from({ length: COUNT }, (_, i) => `w${String(i).padStart(3, '0')}`);
    const last = new Map<string, number>();
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let round = 1; round <= 5; round++) {
        // The servers' writers change every other object; the rest only the migration rewrites.
        for (const name of names.filter((_, i) => i % 8 === w * 2)) {
          await widgets.mergePatch(name, { metadata: { labels: { round: String(round) } } });
          last.set(name, round);
        }
      }
    });
    // Start once the server has written some objects itself, so that both kinds meet.
    await waitFor(() => last.size >= 20, { what: 'the first writes' });
    const [counts] = await Promise.all([migrateObjects(migrating, Widget, { pageSize: 20, concurrency: 4 }), ...writers]);
    expect(counts.scanned).to.equal(COUNT);
    expect(counts.migrated + counts.current).to.equal(COUNT);
    // Objects the server rewrote first are already current; the others were migrated.
    expect(counts.current).to.be.at.least(20);
    expect(counts.migrated).to.be.at.least(COUNT / 2);
    for (const name of names) {
      const stored = (await migrating.get(key(name))) as KubeObject;
      expect(stored.apiVersion, name).to.equal('demo.example.com/v1');
      const round = last.get(name);
      expect(stored.metadata.labels?.round, name).to.equal(round === undefined ? undefined : String(round));
      const i = Number(name.slice(1));
      expect((stored as unknown as { spec: unknown }).spec, name).to.deep.equal({ color: 'green', replicas: i % 2 ? 3 : 5 });
    }
    await migrating.close();
    await server.stop();
  });

  it('the subcommand reports per type, and a second run finds nothing left', async () => {
    const file = join(dir, 'db.sqlite');
    const seeding = new SqliteObjectStore({ path: file });
    await seedOldVersion(seeding);
    await seeding.close();
    const run = async (): Promise<string> => {
      let printed = '';
      const code = await new ServerBuilder()
        .withResource(Widget)
        .withOutputWriter({ write: (t: string) => (printed += t) })
        .executeCommand(['migrate-storage', '--storage', `sqlite:${file}`]);
      expect(code).to.equal(0);
      return printed;
    };
    expect(await run()).to.equal(
      `widgets.demo.example.com: ${COUNT} objects, ${COUNT} rewritten in v1, 0 already in v1, 0 deleted meanwhile, 0 writes retried after concurrent changes\n`,
    );
    expect(await run()).to.contain(`${COUNT} objects, 0 rewritten in v1, ${COUNT} already in v1`);
  });
});
