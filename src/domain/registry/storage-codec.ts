import type {
  ListOptions,
  ListResult,
  ObjectStore,
  StoreEvent,
  StoreWatch,
  StoreWatchSink,
} from '../../ports/object-store.port.js';
import type { KubeObject } from '../meta/types.js';
import type { ResourceVersions } from '../resource/resource-versions.js';
import { deepFreeze } from '../util/json.js';

/**
 * The backing store of a type with several versions, as its generic store sees it: objects
 * go in as hub objects and are written in the storage version; whatever version an object
 * was stored in (its apiVersion records it, so a changed storage version reads older objects
 * too), it comes out as a hub object. Converted objects are frozen and shared, like a store's.
 */
export class StorageCodec implements ObjectStore {
  readonly name: string;
  private readonly decoded = new WeakMap<KubeObject, KubeObject>();

  constructor(
    private readonly backing: ObjectStore,
    private readonly versions: ResourceVersions,
  ) {
    this.name = backing.name;
  }

  private encode(hubObject: KubeObject): KubeObject {
    return this.versions.convert(hubObject, this.versions.storage.version);
  }

  private decode(stored: KubeObject): KubeObject {
    const hub = this.versions.hub;
    if (stored.apiVersion === hub.apiVersion) return stored;
    let out = this.decoded.get(stored);
    if (!out) {
      out = deepFreeze(this.versions.convert(stored, hub.version));
      this.decoded.set(stored, out);
    }
    return out;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    return this.decode(await this.backing.create(key, this.encode(obj)));
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const obj = await this.backing.get(key);
    return obj && this.decode(obj);
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    const result = await this.backing.list(prefix, options);
    const hubApiVersion = this.versions.hub.apiVersion;
    // The registry writes apiVersion first, so the JSON of an object stored in the hub version
    // usually says so in its first bytes, and the object need not be parsed to pass its JSON on.
    const hubPrefix = `{"apiVersion":${JSON.stringify(hubApiVersion)},`;
    const items = result.items.map((item) => {
      const codec = this;
      // Converted only when read; a stored item already in the hub version keeps its JSON.
      return {
        key: item.key,
        get object() {
          return codec.decode(item.object);
        },
        get json() {
          const json = item.json;
          if (json === undefined) return undefined;
          if (json.startsWith(hubPrefix)) return json;
          return item.object.apiVersion === hubApiVersion ? json : undefined;
        },
      };
    });
    return { ...result, items };
  }

  async update(key: string, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    return this.decode(await this.backing.update(key, this.encode(obj), expectedRevision));
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    return this.decode(await this.backing.delete(key, expectedRevision));
  }

  watch(prefix: string, fromRevision: number, sink: StoreWatchSink): Promise<StoreWatch> {
    return this.backing.watch(prefix, fromRevision, {
      event: (e: StoreEvent) => {
        sink.event({ ...e, object: this.decode(e.object), prevObject: e.prevObject && this.decode(e.prevObject) });
      },
      error: (err) => sink.error(err),
    });
  }

  currentRevision(): Promise<number> {
    return this.backing.currentRevision();
  }

  oldestRevision(): Promise<number> {
    return this.backing.oldestRevision();
  }

  ready(): Promise<void> {
    return this.backing.ready();
  }

  problems(): string[] {
    return this.backing.problems?.() ?? [];
  }

  close(): Promise<void> {
    return this.backing.close();
  }
}
