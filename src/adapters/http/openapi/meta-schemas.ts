/**
 * OpenAPI v3 schemas of the meta.k8s.io types every group-version document refers to, under
 * the names Kubernetes gives them, so that clients resolve them the way they do for any API
 * server. Descriptions are this kit's own wording; those of ObjectMeta and its nested types come
 * from the domain's description of them (domain/meta/object-meta-description.ts).
 */

import {
  MANAGED_FIELDS_ENTRY,
  OBJECT_META as DESCRIBED_OBJECT_META,
  OWNER_REFERENCE,
  type FieldDescription,
  type ObjectDescription,
} from '../../../domain/meta/object-meta-description.js';

export type Schema = Record<string, unknown>;

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;
export const LIST_META = `${META}.ListMeta`;
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const PATCH = `${META}.Patch`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';

/** A reference to a component, in the form Kubernetes documents use for named types. */
export function ref(name: string, extra: Schema = {}): Schema {
  return { allOf: [{ $ref: `#/components/schemas/${name}` }], ...extra };
}

export const API_VERSION_DESCRIPTION =
  'The versioned schema of this representation of an object: `group/version`. Servers convert recognized versions and may reject unrecognized ones.';
export const KIND_DESCRIPTION =
  'The REST resource this object represents, in CamelCase. Servers may infer it from the endpoint the client submits requests to. Cannot be updated.';
const OBJECT_META_DESCRIPTION = "Standard object's metadata: name, namespace, labels, annotations and the fields the server maintains.";
const LIST_META_DESCRIPTION = "Standard list metadata: the list's resourceVersion and the continue token of the next page.";

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const stringMap = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'string', default: '' }, description });
const time = (description: string): Schema => ref(`${META}.Time`, { description });

/**
 * The component schemas of described meta types (ObjectMeta, OwnerReference,
 * ManagedFieldsEntry), read from the domain's one description of them. Properties are sorted
 * by name, as in Kubernetes' documents.
 */
function describedSchemas(...objects: ObjectDescription[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const object of objects) {
    const names = Object.keys(object.fields);
    const required = names.filter((name) => object.fields[name].required);
    const schema: Schema = { type: 'object', description: object.description };
    if (required.length > 0) schema.required = required;
    schema.properties = Object.fromEntries([...names].sort().map((name) => [name, fieldSchema(object.fields[name])]));
    if (object.structType) schema['x-kubernetes-map-type'] = object.structType;
    out[`${META}.${object.name}`] = schema;
  }
  return out;
}

function fieldSchema(field: FieldDescription): Schema {
  const { type, description } = field;
  if (type === 'string' || (typeof type === 'object' && 'enum' in type)) return str(description, field.required ? { default: '' } : {});
  if (type === 'time') return time(description);
  if (type === 'int64') return { type: 'integer', format: 'int64', description };
  if (type === 'boolean') return { type: 'boolean', description };
  if (type === 'stringMap') return stringMap(description);
  if (type === 'fieldsV1') return ref(`${META}.FieldsV1`, { description });
  const items = type === 'stringList' ? { type: 'string', default: '' } : ref(`${META}.${type.listOf.name}`, { default: {} });
  const schema: Schema = { type: 'array', items, description };
  const { list, keys } = field.apply ?? {};
  if (keys) schema['x-kubernetes-list-map-keys'] = [...keys];
  schema['x-kubernetes-list-type'] = list ?? 'atomic';
  if (field.patch?.mergeKey) schema['x-kubernetes-patch-merge-key'] = field.patch.mergeKey;
  if (field.patch) schema['x-kubernetes-patch-strategy'] = field.patch.strategy;
  return schema;
}

export const OBJECT_META_PROPERTY: Schema = ref(OBJECT_META, { default: {}, description: OBJECT_META_DESCRIPTION });
export const LIST_META_PROPERTY: Schema = ref(LIST_META, { default: {}, description: LIST_META_DESCRIPTION });
export const API_VERSION_PROPERTY: Schema = str(API_VERSION_DESCRIPTION);
export const KIND_PROPERTY: Schema = str(KIND_DESCRIPTION);

/** The meta.k8s.io component schemas; `scale` adds autoscaling/v1 Scale. */
export function metaSchemas(opts: { scale: boolean }): Record<string, Schema> {
  const schemas: Record<string, Schema> = {
    [`${META}.Time`]: {
      type: 'string',
      format: 'date-time',
      description: 'A timestamp in RFC 3339 form with second precision, in UTC: 2006-01-02T15:04:05Z.',
    },
    [`${META}.FieldsV1`]: {
      type: 'object',
      description: 'The set of fields a manager owns, in the FieldsV1 trie encoding.',
    },
    ...describedSchemas(OWNER_REFERENCE, MANAGED_FIELDS_ENTRY, DESCRIBED_OBJECT_META),
    [LIST_META]: {
      type: 'object',
      description: 'Metadata of a list.',
      properties: {
        continue: str('Set when more items are available: pass it as `continue` to read the next page.'),
        remainingItemCount: { type: 'integer', format: 'int64', description: 'Items left after this page, when known.' },
        resourceVersion: str('The version of the collection this list was read at, for a watch to start from.'),
        selfLink: str('Deprecated; not set.'),
      },
    },
    [`${META}.StatusCause`]: {
      type: 'object',
      description: 'One cause of a failure.',
      properties: {
        field: str('The field that caused the failure, as a path: `spec.replicas`, `metadata.labels[app]`.'),
        message: str('A human-readable description of the cause.'),
        reason: str('A machine-readable cause, e.g. FieldValueRequired.'),
      },
    },
    [`${META}.StatusDetails`]: {
      type: 'object',
      description: 'More about a failure, for clients to act on.',
      properties: {
        causes: {
          type: 'array',
          items: ref(`${META}.StatusCause`, { default: {} }),
          description: 'The causes of the failure, e.g. every invalid field.',
          'x-kubernetes-list-type': 'atomic',
        },
        group: str('The group of the resource concerned.'),
        kind: str('The kind or resource concerned.'),
        name: str('The name of the object concerned.'),
        retryAfterSeconds: { type: 'integer', format: 'int32', description: 'When to retry, in seconds.' },
        uid: str('The UID of the object concerned.'),
      },
    },
    [STATUS]: {
      type: 'object',
      description: 'The answer of a call that returns no object: success, or why it failed.',
      properties: {
        apiVersion: str(API_VERSION_DESCRIPTION),
        code: { type: 'integer', format: 'int32', description: 'The HTTP status code.' },
        details: ref(`${META}.StatusDetails`, { description: 'More about the failure.' }),
        kind: str(KIND_DESCRIPTION),
        message: str('A human-readable description of the outcome.'),
        metadata: LIST_META_PROPERTY,
        reason: str('A machine-readable reason, e.g. NotFound or Conflict.'),
        status: str('`Success` or `Failure`.'),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'Status', version: 'v1' }],
    },
    [`${META}.Preconditions`]: {
      type: 'object',
      description: 'Conditions the object must meet for a delete to proceed.',
      properties: {
        resourceVersion: str('The object must have this resourceVersion.'),
        uid: str('The object must have this UID.'),
      },
    },
    [DELETE_OPTIONS]: {
      type: 'object',
      description: 'Options of a delete.',
      properties: {
        apiVersion: str(API_VERSION_DESCRIPTION),
        dryRun: {
          type: 'array',
          items: { type: 'string', default: '' },
          description: 'When present, nothing is persisted. The only value is `All`.',
          'x-kubernetes-list-type': 'atomic',
        },
        gracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Seconds before the object is deleted.' },
        kind: str(KIND_DESCRIPTION),
        orphanDependents: { type: 'boolean', description: 'Deprecated: use propagationPolicy.' },
        preconditions: ref(`${META}.Preconditions`, { description: 'Must be met for the delete to proceed.' }),
        propagationPolicy: str('How dependents are garbage collected: `Orphan`, `Background` or `Foreground`.'),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'DeleteOptions', version: 'v1' }],
    },
    [PATCH]: {
      type: 'object',
      description: 'A patch: a JSON patch, a JSON merge patch or an apply configuration, by Content-Type.',
    },
    'io.k8s.apimachinery.pkg.runtime.RawExtension': {
      type: 'object',
      description: 'An embedded object of any kind.',
    },
    [WATCH_EVENT]: {
      type: 'object',
      description: 'One event of a watch.',
      required: ['type', 'object'],
      properties: {
        object: ref('io.k8s.apimachinery.pkg.runtime.RawExtension', {
          description: 'The object: its new state, its last state (DELETED), a bookmark, or a Status (ERROR).',
        }),
        type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.', { default: '' }),
      },
      'x-kubernetes-group-version-kind': [{ group: '', kind: 'WatchEvent', version: 'v1' }],
    },
  };
  if (opts.scale) {
    schemas[SCALE] = {
      type: 'object',
      description: 'The scale of a resource: desired and observed replicas.',
      properties: {
        apiVersion: str(API_VERSION_DESCRIPTION),
        kind: str(KIND_DESCRIPTION),
        metadata: OBJECT_META_PROPERTY,
        spec: ref(`${SCALE}Spec`, { default: {}, description: 'The desired scale.' }),
        status: ref(`${SCALE}Status`, { default: {}, description: 'The observed scale. Read-only.' }),
      },
      'x-kubernetes-group-version-kind': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }],
    };
    schemas[`${SCALE}Spec`] = {
      type: 'object',
      description: 'The desired scale.',
      properties: { replicas: { type: 'integer', format: 'int32', description: 'The desired number of instances.' } },
    };
    schemas[`${SCALE}Status`] = {
      type: 'object',
      description: 'The observed scale.',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', format: 'int32', default: 0, description: 'The observed number of instances.' },
        selector: str('The label selector of the scaled instances, in the string form of label queries.'),
      },
    };
  }
  return schemas;
}
