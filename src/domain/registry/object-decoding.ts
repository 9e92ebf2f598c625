import { badRequest, invalid, type GroupResource } from '../errors/api-error.js';
import type { KubeObject } from '../meta/types.js';
import { fieldError, toStatusCause } from '../resource/field-error.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { deepClone, isPlainObject, nestsDeeperThan, type JsonObject } from '../util/json.js';


/**
 * The deepest nesting an object may have. Real objects stay far below it; deeper documents
 * are refused before anything walks them recursively.
 */
export const MAX_OBJECT_DEPTH = 100;

let lastSecond = Number.NaN;
let lastFormatted = '';

/** Kubernetes keeps object timestamps at second precision, in UTC. */
export function formatTimestamp(d: Date): string {
  // Every write of a second formats the same second: format it once.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastFormatted = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastFormatted;
}

export function groupResource(def: ResourceDefinition): GroupResource {
  return { group: def.group, resource: def.plural };
}

/**
 * Checks that a request body is an object of this type: a JSON object whose apiVersion and
 * kind, when given, name this type. Fills them in when absent. Returns a private copy.
 */
export function decodeBody(def: ResourceDefinition, body: unknown): KubeObject {
  if (!isPlainObject(body)) {
    throw badRequest(`the body of the request must be a JSON object of kind ${def.kind}`);
  }
  if (nestsDeeperThan(body, MAX_OBJECT_DEPTH)) {
    throw badRequest(`the object is nested too deeply: at most ${MAX_OBJECT_DEPTH} levels are accepted`);
  }
  const obj = deepClone(body) as JsonObject;
  if (obj.apiVersion !== undefined && obj.apiVersion !== def.apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${def.apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
  }
  obj.apiVersion = def.apiVersion;
  obj.kind = def.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) {
    throw invalid({ group: def.group, kind: def.kind }, '', [
      toStatusCause(fieldError.typeInvalid('metadata', obj.metadata, 'must be of type object')),
    ]);
  }
  return obj as KubeObject;
}

/**
 * Aligns the namespace of a body with the request's: cluster-scoped types have none; a
 * namespaced body may leave it out, but may not name another namespace.
 */
export function reconcileNamespace(def: ResourceDefinition, obj: KubeObject, namespace: string | undefined): void {
  const meta = obj.metadata;
  if (!def.namespaced) {
    delete meta.namespace;
    return;
  }
  if (namespace === undefined || namespace === '') {
    throw badRequest(`a namespace is required to write ${def.plural}.${def.group}`);
  }
  if (meta.namespace === undefined || meta.namespace === '') {
    meta.namespace = namespace;
  } else if (meta.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}
