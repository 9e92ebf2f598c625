import type { KubeObject } from '../meta/types.js';
import { deepClone, isPlainObject } from '../util/json.js';
import type { ResourceDefinition, VersionConversion } from './resource-definition.js';

interface Member {
  definition: ResourceDefinition;
  storage: boolean;
  conversion: VersionConversion<KubeObject, KubeObject> | undefined;
}

/**
 * The versions of one type and the conversions between them, through the hub. Every
 * version's definition points here. A conversion keeps the metadata of the object it
 * converts and sets apiVersion and kind; the declared functions change the body only.
 */
export class ResourceVersions {
  private members: Member[] = [];
  private readonly byName = new Map<string, Member>();

  constructor(
    private readonly kind: string,
    private readonly hubName: string,
    /** Whether the type was declared with several versions. */
    readonly several = false,
  ) {}

  /** Called once by defineResource with every version; freezes the definitions. */
  seal(members: Member[]): void {
    this.members = members;
    for (const m of members) {
      this.byName.set(m.definition.version, m);
      if (m.definition.version === this.hubName) {
        Object.defineProperty(m.definition, 'forVersion', { value: (name: string) => this.require(name), enumerable: false });
      }
      Object.freeze(m.definition);
    }
    Object.freeze(this);
  }

  /** Every declared version, in declaration order. */
  get all(): readonly ResourceDefinition[] {
    return this.members.map((m) => m.definition);
  }

  /** The served versions, in declaration order. */
  get served(): readonly ResourceDefinition[] {
    return this.all.filter((d) => d.served);
  }

  get hub(): ResourceDefinition {
    return this.require(this.hubName);
  }

  /** The version objects are written in. */
  get storage(): ResourceDefinition {
    return (this.members.find((m) => m.storage) as Member).definition;
  }

  get(version: string): ResourceDefinition | undefined {
    return this.byName.get(version)?.definition;
  }

  require(version: string): ResourceDefinition {
    const def = this.get(version);
    if (!def) throw new Error(`${this.kind} has no version ${JSON.stringify(version)}`);
    return def;
  }

  /** The version an object's apiVersion names, or undefined when it names none of this type's. */
  versionOf(obj: KubeObject): ResourceDefinition | undefined {
    const apiVersion = obj.apiVersion;
    return this.all.find((d) => d.apiVersion === apiVersion);
  }

  /**
   * `obj` in version `to`, through the hub. An object already in `to` is returned as it is;
   * otherwise the result is a new object. Throws when `obj` is of no version of this type, or
   * when a conversion function fails or returns something that is not an object.
   */
  convert(obj: KubeObject, to: string): KubeObject {
    const from = this.versionOf(obj);
    if (!from) throw new Error(`cannot convert ${this.kind}: apiVersion ${JSON.stringify(obj.apiVersion)} is not one of its versions`);
    if (from.version === to) return obj;
    const target = this.require(to);
    const hub = from.version === this.hubName ? obj : this.step(obj, from.version, 'toHub', this.hub);
    return to === this.hubName ? hub : this.step(hub, to, 'fromHub', target, obj);
  }

  private step(obj: KubeObject, spoke: string, direction: 'toHub' | 'fromHub', target: ResourceDefinition, source: KubeObject = obj): KubeObject {
    const conversion = (this.byName.get(spoke) as Member).conversion as VersionConversion<KubeObject, KubeObject>;
    let out: unknown;
    try {
      out = conversion[direction](deepClone(obj));
    } catch (err) {
      throw new Error(`converting ${this.kind} ${JSON.stringify(obj.metadata?.name)} ${direction === 'toHub' ? `from ${spoke} to the hub` : `from the hub to ${spoke}`} failed: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!isPlainObject(out)) throw new Error(`the ${direction} conversion of ${this.kind} ${spoke} returned no object`);
    const result = out as KubeObject;
    result.apiVersion = target.apiVersion;
    result.kind = target.kind;
    result.metadata = deepClone(source.metadata);
    return result;
  }
}
