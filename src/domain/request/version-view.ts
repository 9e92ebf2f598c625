import type { FieldValidation, KubeObject } from '../meta/types.js';
import { applyMergePatch, createMergePatch } from '../patch/index.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { parseVersionedBody } from '../registry/rest-strategy.js';
import { deepClone, deepFreeze, type JsonObject } from '../util/json.js';
import { FieldTracker } from './field-tracking.js';

/**
 * A served version of a type as the request layer sees it: requests and answers are in this
 * version, the store works in the hub. For the hub itself every step is the identity.
 *
 * Writes through another version are merged into the stored hub object instead of replacing
 * it: the change the client made (its version's object against the stored object seen in its
 * version) is converted to the hub and applied to what is stored, so fields this version
 * cannot express are kept as they are. The server always has the stored object at write time,
 * so nothing needs to travel through clients (no annotation carries hub fields).
 */
export class VersionView {
  readonly isHub: boolean;
  readonly hub: ResourceDefinition;
  /** managedFields in this version's terms: managers own fields of the version they wrote with. */
  readonly fields: FieldTracker;
  private readonly converted = new WeakMap<KubeObject, KubeObject>();

  constructor(
    readonly definition: ResourceDefinition,
    fields?: FieldTracker,
  ) {
    this.hub = definition.versions.hub;
    this.isHub = definition.version === this.hub.version;
    this.fields = fields ?? new FieldTracker(definition);
  }

  /** A stored (hub) object as clients of this version see it; shared and frozen, do not change it. */
  out(hubObject: KubeObject): KubeObject {
    if (this.isHub) return hubObject;
    let out = this.converted.get(hubObject);
    if (!out) {
      out = deepFreeze(this.definition.versions.convert(hubObject, this.definition.version));
      this.converted.set(hubObject, out);
    }
    return out;
  }

  /** A private copy of a hub object in this version, to change. */
  copyOut(hubObject: KubeObject): KubeObject {
    return this.isHub ? deepClone(hubObject) : this.definition.versions.convert(hubObject, this.definition.version);
  }

  /**
   * A request object of another version checked against that version's schema (defaults,
   * validation, unknown fields as `fieldValidation` says); the hub's own requests are checked
   * by the store's admission.
   */
  decode(obj: KubeObject, fieldValidation: FieldValidation): { object: KubeObject; warnings: string[] } {
    if (this.isHub) return { object: obj, warnings: [] };
    return parseVersionedBody(this.definition, obj, fieldValidation);
  }

  /** A request's object of this version, as the hub object to store in place of `oldHub`. */
  toStored(obj: KubeObject, oldHub: KubeObject | undefined): KubeObject {
    if (this.isHub) return obj;
    const versions = this.definition.versions;
    const converted = versions.convert(obj, this.hub.version);
    if (!oldHub) return converted;
    // The client's change, in hub terms: its object against the stored one seen in its version.
    const seen = versions.convert(versions.convert(oldHub, this.definition.version), this.hub.version);
    const change = createMergePatch(body(seen), body(converted));
    const merged = applyMergePatch(body(oldHub), change) as JsonObject;
    return { ...merged, apiVersion: this.hub.apiVersion, kind: this.hub.kind, metadata: converted.metadata } as KubeObject;
  }

  /** The field selectors' view of a stored object, for versions other than the hub. */
  selectorView(): ((hubObject: KubeObject) => KubeObject) | undefined {
    return this.isHub ? undefined : (o) => this.out(o);
  }

  /**
   * Records managedFields on an admitted hub object with `record`, which works on objects of
   * this version (`old` undefined for a create).
   */
  recordFields(admitted: KubeObject, old: KubeObject | undefined, record: (obj: KubeObject, old: KubeObject | undefined) => void): void {
    if (this.isHub) {
      record(admitted, old);
      return;
    }
    const versions = this.definition.versions;
    const mine = versions.convert(admitted, this.definition.version);
    record(mine, old && versions.convert(old, this.definition.version));
    if (mine.metadata.managedFields !== undefined) admitted.metadata.managedFields = mine.metadata.managedFields;
    else delete admitted.metadata.managedFields;
  }
}

/** Everything of an object but its apiVersion, kind and metadata. */
function body(obj: KubeObject): JsonObject {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
  return rest;
}
