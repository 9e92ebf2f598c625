/**
 * How a zod schema declares list and map semantics: the Kubernetes OpenAPI extensions, as zod
 * metadata on the array or object schema. zod puts metadata into `z.toJSONSchema`, so the
 * OpenAPI documents carry the same extensions that server-side apply reads.
 *
 *     conditions: z.array(Condition).meta(listTypeMap('type'))     // merged per item, by type
 *     finalizers: z.array(z.string()).meta(listTypeSet())          // merged per value
 *     args:       z.array(z.string())                              // atomic: replaced whole
 *     selector:   z.object({...}).meta(mapTypeAtomic())            // replaced and owned whole
 *
 * which is the same as writing the extensions by hand:
 *
 *     z.array(Condition).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
 *
 * A map-list's key fields must be declared scalar fields of the item that are required or
 * have a default; a set's items must be scalars.
 */

export const LIST_TYPE_EXTENSION = 'x-kubernetes-list-type';
export const LIST_MAP_KEYS_EXTENSION = 'x-kubernetes-list-map-keys';
export const MAP_TYPE_EXTENSION = 'x-kubernetes-map-type';

/** Metadata for `.meta()`: a list merged per item, items told apart by these key fields. */
export function listTypeMap(...keys: [string, ...string[]]): Record<string, unknown> {
  return { [LIST_TYPE_EXTENSION]: 'map', [LIST_MAP_KEYS_EXTENSION]: [...keys] };
}

/** Metadata for `.meta()`: a list of unique scalars, merged per value. */
export function listTypeSet(): Record<string, unknown> {
  return { [LIST_TYPE_EXTENSION]: 'set' };
}

/** Metadata for `.meta()`: a list replaced and owned whole (the default for lists). */
export function listTypeAtomic(): Record<string, unknown> {
  return { [LIST_TYPE_EXTENSION]: 'atomic' };
}

/** Metadata for `.meta()`: an object replaced and owned whole (objects merge per key by default). */
export function mapTypeAtomic(): Record<string, unknown> {
  return { [MAP_TYPE_EXTENSION]: 'atomic' };
}
