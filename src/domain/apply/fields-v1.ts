/**
 * The FieldsV1 wire format of managed fields: a JSON object whose keys are path elements
 * (`f:spec`, `k:{"type":"Ready"}`, `v:"x"`) and whose values are the same kind of object for
 * what lies below; `{}` marks a path that is in the set, and `".": {}` marks a path that is in
 * the set and also has paths below it in the set.
 *
 *     {"f:metadata":{"f:labels":{"f:app":{}}},
 *      "f:spec":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:status":{}}}}}
 */

import { FieldSet } from './field-set.js';
import { isPlainObject, setOwn, type JsonObject } from './json-values.js';
import { comparePathElements, parsePathElement, serializePathElement, type PathElement } from './path-element.js';

/** Why a FieldsV1 value could not be read. */
export class FieldsV1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsV1Error';
  }
}

/** Reads a FieldsV1 object. Unknown element prefixes are dropped; anything malformed throws FieldsV1Error. */
export function parseFieldsV1(fields: unknown): FieldSet {
  if (fields === undefined || fields === null) return new FieldSet();
  if (!isPlainObject(fields)) throw new FieldsV1Error('fieldsV1 must be a JSON object');
  return readLevel(fields, 0).set ?? new FieldSet();
}

const MAX_DEPTH = 256;

function readLevel(obj: JsonObject, depth: number): { set: FieldSet | undefined; isMember: boolean } {
  if (depth > MAX_DEPTH) throw new FieldsV1Error('fieldsV1 is nested too deeply');
  let set: FieldSet | undefined;
  let isMember = false;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement | undefined;
    try {
      pe = parsePathElement(key);
    } catch (err) {
      throw new FieldsV1Error((err as Error).message);
    }
    if (pe === undefined) continue;
    if (!isPlainObject(value)) throw new FieldsV1Error(`the value of ${JSON.stringify(key)} must be a JSON object`);
    const below = readLevel(value, depth + 1);
    set ??= new FieldSet();
    if (below.isMember) set.insertMember(pe);
    if (below.set) set.adoptBelow(pe, below.set);
  }
  if (!set) isMember = true;
  return { set, isMember };
}

/** Writes a set as a FieldsV1 object, entries in the order Kubernetes writes them. */
export function serializeFieldsV1(set: FieldSet): JsonObject {
  return writeLevel(set, false);
}

function writeLevel(set: FieldSet, includeSelf: boolean): JsonObject {
  const out: JsonObject = {};
  if (includeSelf && !set.isEmpty()) out['.'] = {};
  const members = set.memberElements();
  const children = set.childEntries();
  const byKey = new Map<string, { pe: PathElement; member: boolean; below?: FieldSet }>();
  for (const pe of members) byKey.set(serializePathElement(pe), { pe, member: true });
  for (const c of children) {
    const key = serializePathElement(c.pe);
    const entry = byKey.get(key);
    if (entry) entry.below = c.set;
    else byKey.set(key, { pe: c.pe, member: false, below: c.set });
  }
  const entries = [...byKey.entries()].sort((a, b) => comparePathElements(a[1].pe, b[1].pe));
  for (const [key, e] of entries) {
    setOwn(out, key, e.below ? writeLevel(e.below, e.member) : {});
  }
  return out;
}
