/**
 * The one description of Kubernetes object metadata: ObjectMeta and the two objects nested in
 * it, OwnerReference and ManagedFieldsEntry. Everything that knows which metadata fields exist
 * reads it: the TypeScript types (types.ts derives them), metadata validation, unknown-field
 * detection, the server-side apply shape and the OpenAPI schemas. Add a field here and every
 * one of them sees it; test/domain/meta/object-meta-description.test.ts checks that they do.
 *
 * Fields are listed in Kubernetes' declaration order (apimachinery's `meta/v1` types): the order
 * validation reports errors in. OpenAPI sorts them by name, as Kubernetes' documents do.
 *
 * A plain table rather than a zod schema: metadata is never parsed by zod (validation keeps
 * Kubernetes' own messages, and a create must not pay for a parse), and what the consumers need
 * (server-set, apply and patch semantics, OpenAPI wording) is data about fields, not a parser.
 */

/**
 * A field's JSON shape on the wire:
 * - `string`; `time` (a string in RFC 3339, `meta/v1.Time`); `int64` (an integer); `boolean`;
 * - `{ enum }`: a string with these values (validation checks them where Kubernetes does);
 * - `stringMap`: an object of string values; `stringList`: an array of strings;
 * - `fieldsV1`: an opaque object (a manager's field set);
 * - `{ listOf }`: an array of the described object.
 */
export type FieldType =
  | 'string'
  | 'time'
  | 'int64'
  | 'boolean'
  | 'stringMap'
  | 'stringList'
  | 'fieldsV1'
  | { readonly enum: readonly string[] }
  | { readonly listOf: ObjectDescription };

/**
 * How server-side apply (and the OpenAPI `x-kubernetes-*` extensions) treat a field. Scalars
 * are replaced whole; string maps merge per key; a list is atomic (replaced whole, nothing
 * inside it owned), a set of its values, or a map keyed by `keys` of its items.
 */
export interface ApplySemantics {
  readonly list?: 'atomic' | 'set' | 'map';
  /** The keys of a `map` list's items (`x-kubernetes-list-map-keys`). */
  readonly keys?: readonly string[];
  /**
   * `false`: no field manager owns the field itself (what is below it may be owned), as
   * Kubernetes strips it from every manager's set: the object's identity and bookkeeping.
   */
  readonly owned?: false;
}

export interface FieldDescription {
  readonly type: FieldType;
  /** Always present on the wire (OwnerReference's identifying fields). */
  readonly required?: true;
  /**
   * The server decides the value: what a client sends is cleared or replaced on create and the
   * stored value carried over on update (selfLink is only ever cleared).
   */
  readonly serverSet?: true;
  /** May not change on update (absent and empty compare equal). */
  readonly immutable?: true;
  readonly apply?: ApplySemantics;
  /** Strategic merge patch markers, as Kubernetes declares them (OpenAPI only). */
  readonly patch?: { readonly strategy: 'merge'; readonly mergeKey?: string };
  /** The OpenAPI description: this kit's own wording. */
  readonly description: string;
}

export interface ObjectDescription {
  /** The type's name in `io.k8s.apimachinery.pkg.apis.meta.v1`. */
  readonly name: string;
  readonly description: string;
  /**
   * Kubernetes' `+structType=atomic`, declared in the OpenAPI documents as
   * `x-kubernetes-map-type: atomic`. The apply shape does not follow it: this kit's
   * server-side apply has always merged owner references per field, where Kubernetes owns each
   * one whole; changing that changes managedFields, so it is a decision of its own.
   */
  readonly structType?: 'atomic';
  readonly fields: { readonly [name: string]: FieldDescription };
}

export const OWNER_REFERENCE = {
  name: 'OwnerReference',
  description: 'Names an object that owns this one. The owner must be in the same namespace, or cluster-scoped.',
  structType: 'atomic',
  fields: {
    apiVersion: { type: 'string', required: true, description: "The owner's API version." },
    kind: { type: 'string', required: true, description: "The owner's kind." },
    name: { type: 'string', required: true, description: "The owner's name." },
    uid: { type: 'string', required: true, description: "The owner's UID." },
    controller: { type: 'boolean', description: 'True when the owner is the managing controller.' },
    blockOwnerDeletion: {
      type: 'boolean',
      description: 'True to keep the owner from being deleted in the foreground before this object is removed.',
    },
  },
} as const satisfies ObjectDescription;

export const MANAGED_FIELDS_ENTRY = {
  name: 'ManagedFieldsEntry',
  description: 'One field manager, the operation it last made and the fields it owns.',
  fields: {
    manager: { type: 'string', description: 'The name of the workflow managing these fields.' },
    operation: { type: { enum: ['Apply', 'Update'] }, description: '`Apply` or `Update`: how the fields were last written.' },
    apiVersion: { type: 'string', description: 'The version of the resource the fields were written through.' },
    time: { type: 'time', description: 'When the fields were last changed.' },
    fieldsType: { type: { enum: ['FieldsV1'] }, description: 'The encoding of fieldsV1; only `FieldsV1`.' },
    fieldsV1: { type: 'fieldsV1', description: 'The fields owned.' },
    subresource: { type: 'string', description: 'The subresource the fields were written through, if any.' },
  },
} as const satisfies ObjectDescription;

export const OBJECT_META = {
  name: 'ObjectMeta',
  description: 'Metadata every persisted object has: identity, labels, annotations and server-maintained fields.',
  fields: {
    name: {
      type: 'string',
      immutable: true,
      apply: { owned: false },
      description: 'Unique within a namespace. Required when creating, unless generateName is used. Cannot be updated.',
    },
    generateName: { type: 'string', description: 'A prefix from which the server generates a unique name when name is empty.' },
    namespace: {
      type: 'string',
      immutable: true,
      apply: { owned: false },
      description: 'The namespace of a namespaced object; empty for cluster-scoped objects. Cannot be updated.',
    },
    selfLink: { type: 'string', serverSet: true, apply: { owned: false }, description: 'Deprecated; not set.' },
    uid: {
      type: 'string',
      serverSet: true,
      immutable: true,
      apply: { owned: false },
      description: 'Unique in time and space, set by the server on creation. Read-only.',
    },
    resourceVersion: {
      type: 'string',
      serverSet: true,
      apply: { owned: false },
      description: 'An opaque version of the object, changed on every write; used for optimistic concurrency and watches. Read-only.',
    },
    generation: {
      type: 'int64',
      serverSet: true,
      apply: { owned: false },
      description: 'A sequence number of changes to the desired state. Set by the server; read-only.',
    },
    creationTimestamp: {
      type: 'time',
      serverSet: true,
      immutable: true,
      apply: { owned: false },
      description: 'When the server created the object. Set by the server; read-only.',
    },
    deletionTimestamp: {
      type: 'time',
      serverSet: true,
      immutable: true,
      description: 'When the object will be or was asked to be deleted. Set by the server; read-only.',
    },
    deletionGracePeriodSeconds: {
      type: 'int64',
      serverSet: true,
      immutable: true,
      description: 'Seconds the object is allowed to terminate gracefully. Set with deletionTimestamp; read-only.',
    },
    labels: { type: 'stringMap', description: 'Key-value pairs that organize and select objects.' },
    annotations: { type: 'stringMap', description: 'Unstructured key-value data kept with the object; not used to select objects.' },
    ownerReferences: {
      type: { listOf: OWNER_REFERENCE },
      apply: { list: 'map', keys: ['uid'] },
      patch: { strategy: 'merge', mergeKey: 'uid' },
      description: 'Objects this object depends on; it is garbage collected when they are all gone.',
    },
    finalizers: {
      type: 'stringList',
      apply: { list: 'set' },
      patch: { strategy: 'merge' },
      description: 'Keys that must be removed before the object is deleted from storage.',
    },
    managedFields: {
      type: { listOf: MANAGED_FIELDS_ENTRY },
      apply: { list: 'atomic', owned: false },
      description: 'Which field managers own which fields. Maintained by the server.',
    },
  },
} as const satisfies ObjectDescription;

/** The names of ObjectMeta's fields, in declaration order. */
export type ObjectMetaField = keyof typeof OBJECT_META.fields;

/** Every field name of a described object, in declaration order. */
export function fieldNames<O extends ObjectDescription>(object: O): (keyof O['fields'] & string)[] {
  return Object.keys(object.fields) as (keyof O['fields'] & string)[];
}

/**
 * The ObjectMeta fields the server sets (see {@link FieldDescription.serverSet}): selfLink,
 * uid, resourceVersion, generation, creationTimestamp, deletionTimestamp and
 * deletionGracePeriodSeconds. managedFields is not among them: a client may write it (to reset
 * ownership), and the field manager decides what is kept.
 */
export const SERVER_SET_META_FIELDS: readonly ObjectMetaField[] = Object.freeze(
  fieldNames(OBJECT_META).filter((name) => (OBJECT_META.fields[name] as FieldDescription).serverSet === true),
);

/** The described object nested in a field (the items of a `listOf`), if any. */
export function nestedObject(field: FieldDescription): ObjectDescription | undefined {
  return typeof field.type === 'object' && 'listOf' in field.type ? field.type.listOf : undefined;
}

/** Whether a field's type is one JSON scalar (a string, number or boolean). */
export function isScalarType(type: FieldType): boolean {
  return type === 'string' || type === 'time' || type === 'int64' || type === 'boolean' || (typeof type === 'object' && 'enum' in type);
}

/** Whether a field's value is a string on the wire. */
export function isStringType(type: FieldType): boolean {
  return type === 'string' || type === 'time' || (typeof type === 'object' && 'enum' in type);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The TypeScript type of a field's value. */
export type WireValue<T extends FieldType> = T extends 'string' | 'time'
  ? string
  : T extends 'int64'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'stringMap'
        ? Record<string, string>
        : T extends 'stringList'
          ? string[]
          : T extends 'fieldsV1'
            ? Record<string, unknown>
            : T extends { readonly enum: readonly (infer E)[] }
              ? E
              : T extends { readonly listOf: infer O extends ObjectDescription }
                ? WireObject<O>[]
                : never;

type Fields<O extends ObjectDescription> = O['fields'];
type RequiredKeys<O extends ObjectDescription> = {
  [K in keyof Fields<O>]: Fields<O>[K] extends { readonly required: true } ? K : never;
}[keyof Fields<O>];

/** The TypeScript type of a described object: required fields present, the others optional. */
export type WireObject<O extends ObjectDescription> = Mutable<
  { [K in RequiredKeys<O>]: WireValue<Fields<O>[K]['type']> } & {
    [K in Exclude<keyof Fields<O>, RequiredKeys<O>>]?: WireValue<Fields<O>[K]['type']>;
  }
>;
