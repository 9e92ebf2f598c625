import type { Clock } from '../../ports/clock.port.js';
import type { IdSource } from '../../ports/id-source.port.js';
import type { ObjectStore } from '../../ports/object-store.port.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { ResourceKeys } from './keys.js';
import { groupResource } from './object-decoding.js';
import { DEFAULT_REGISTRY_OPTIONS, type RegistryEnvironment, type RegistryOptions } from './registry-environment.js';
import { storageErrorToApi } from './storage-errors.js';
import { StorageCodec } from './storage-codec.js';

/** What the reads and writes of one type's store share: its type, keys, backing store and ports. */
export class StoreParts {
  readonly keys: ResourceKeys;
  readonly backing: ObjectStore;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly options: RegistryOptions;
  /** Fields usable in field selectors: metadata.name, metadata.namespace and the type's own. */
  readonly selectableFields: string[];

  constructor(
    readonly definition: ResourceDefinition,
    env: RegistryEnvironment,
  ) {
    this.keys = new ResourceKeys(definition);
    // A type with several versions reads and writes through the codec: the store sees hub objects.
    this.backing = definition.versions.several ? new StorageCodec(env.store, definition.versions) : env.store;
    this.clock = env.clock;
    this.ids = env.ids;
    this.options = { ...DEFAULT_REGISTRY_OPTIONS, ...(env.options ?? {}) };
    this.selectableFields = ['metadata.name', 'metadata.namespace', ...definition.selectableFields];
  }

  /** A call to the backing store whose failure becomes the API error a client sees. */
  async call<T>(fn: () => Promise<T>, name: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.apiError(err, name);
    }
  }

  apiError(err: unknown, name: string): unknown {
    return storageErrorToApi(err, groupResource(this.definition), name);
  }
}
