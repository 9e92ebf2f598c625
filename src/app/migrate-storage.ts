import { parseArgs } from 'node:util';
import { ResourceKeys } from '../domain/registry/keys.js';
import type { ResourceDefinition } from '../domain/resource/resource-definition.js';
import { isStorageError, type ObjectStore } from '../ports/object-store.port.js';
import type { ServerBuilder } from './server-builder.js';
import { RESOURCE_STORE, resourceName } from './tokens.js';

export interface MigrationCounts {
  /** Objects of the type found. */
  scanned: number;
  /** Rewritten in the storage version. */
  migrated: number;
  /** Already in the storage version (also: rewritten by a server meanwhile). */
  current: number;
  /** Deleted while the migration ran. */
  gone: number;
  /** Compare-and-swap writes that lost to a concurrent writer and were done again on the fresh object. */
  retried: number;
}

export interface MigrationOptions {
  /** Objects read per list call (default 500). */
  pageSize?: number;
  /** Rewrites in flight at once (default 16). */
  concurrency?: number;
}

/**
 * Rewrites every object of a type that is stored in another version than its storage version
 * now, converted to the storage version: what to run after changing a type's storage version,
 * so that older versions can later stop being read. Safe while servers serve the same storage:
 * each object is written with compare-and-swap on the revision it was read at, and an object
 * a server changed meanwhile is read again (servers write the storage version themselves), so
 * no concurrent write is lost. Each rewrite is a change (a new resourceVersion, a MODIFIED
 * event), as in Kubernetes' storage version migration.
 */
export async function migrateObjects(store: ObjectStore, def: ResourceDefinition, options: MigrationOptions = {}): Promise<MigrationCounts> {
  const versions = def.versions;
  const target = versions.storage;
  const prefix = new ResourceKeys(versions.hub).all();
  const pageSize = options.pageSize ?? 500;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const counts: MigrationCounts = { scanned: 0, migrated: 0, current: 0, gone: 0, retried: 0 };

  const rewrite = async (key: string): Promise<void> => {
    for (;;) {
      const obj = await store.get(key);
      if (!obj) {
        counts.gone++;
        return;
      }
      if (obj.apiVersion === target.apiVersion) {
        counts.current++;
        return;
      }
      try {
        await store.update(key, versions.convert(obj, target.version), Number(obj.metadata.resourceVersion));
        counts.migrated++;
        return;
      } catch (err) {
        if (isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) {
          counts.retried++;
          continue;
        }
        throw err;
      }
    }
  };

  let startKey = prefix;
  for (;;) {
    const page = await store.list(prefix, { startKey, limit: pageSize });
    const stale: string[] = [];
    for (const item of page.items) {
      counts.scanned++;
      if (item.object.apiVersion === target.apiVersion) counts.current++;
      else stale.push(item.key);
    }
    for (let i = 0; i < stale.length; i += concurrency) await Promise.all(stale.slice(i, i + concurrency).map(rewrite));
    if (!page.more || page.items.length === 0) break;
    startKey = page.items[page.items.length - 1].key + '\u0000';
  }
  return counts;
}

export const MIGRATE_HELP = `Usage: SERVER migrate-storage [--storage SPEC]

Rewrites every object of each type with several versions in the type's storage version, with
compare-and-swap per object: safe while servers serve the same storage (an SQLite file or
etcd; a file store is locked by the server that serves it). Run it after changing a type's
storage version, before an older version stops being readable. Prints one line per type.

Flags:
  --storage SPEC              the default storage, as the server takes it
  --help                      print this text
`;

/** The `migrate-storage` subcommand over the builder's stored types. */
export async function migrateStorageCommand(builder: ServerBuilder, argv: string[]): Promise<number> {
  const out = builder.currentConfig().output;
  let values: { storage?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: { storage: { type: 'string' }, help: { type: 'boolean' } }, strict: true }).values;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${MIGRATE_HELP}`);
    return 2;
  }
  if (values.help) {
    out.write(MIGRATE_HELP);
    return 0;
  }
  if (typeof values.storage === 'string') builder.withStorage(values.storage);
  const types = builder.currentConfig().resources.filter((r) => r.storage.kind !== 'handler' && r.definition.versions.several);
  if (types.length === 0) {
    out.write('no stored type has several versions: nothing to migrate\n');
    return 0;
  }
  const server = builder.build();
  try {
    for (const { definition } of types) {
      const store = server.container.get<ObjectStore>(RESOURCE_STORE, { name: resourceName(definition) });
      await store.ready();
      const c = await migrateObjects(store, definition);
      const storage = definition.versions.storage.version;
      out.write(
        `${definition.plural}.${definition.group}: ${c.scanned} objects, ${c.migrated} rewritten in ${storage}, ` +
          `${c.current} already in ${storage}, ${c.gone} deleted meanwhile, ${c.retried} writes retried after concurrent changes\n`,
      );
    }
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await server.stop();
  }
}
