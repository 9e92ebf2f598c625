import { z } from 'zod';
import type { Schema } from './meta-schemas.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A zod schema as OpenAPI v3: the schema and the named schemas it refers to. */
export interface ConvertedSchema {
  schema: Schema;
  /** Named schemas to add to components.schemas, refs already pointing there. */
  components: Record<string, Schema>;
}

/**
 * Converts a zod schema to an OpenAPI 3.0 schema with `z.toJSONSchema`, as a client sends it
 * (`io: 'input'`: defaulted fields are optional and carry their default). Shared or recursive
 * sub-schemas (and those given an id with `.meta({id})`) become components named
 * `${prefix}.${id}`. What JSON Schema cannot say (dates, transforms' outputs) becomes an
 * object that keeps unknown fields, which explain shows and validation accepts.
 */
export function convertZodSchema(schema: z.ZodType, prefix: string): ConvertedSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Schema;
  const defs = (json.definitions ?? json.$defs ?? {}) as Record<string, Schema>;
  delete json.definitions;
  delete json.$defs;
  delete json.$schema;
  const names = new Map<string, string>();
  for (const id of Object.keys(defs)) names.set(id, `${prefix}.${id.replace(/^__/, '').replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  const rewrite = (node: unknown): unknown => tidy(node, names);
  const components: Record<string, Schema> = {};
  for (const [id, def] of Object.entries(defs)) components[names.get(id)!] = rewrite(def) as Schema;
  return { schema: rewrite(json) as Schema, components };
}

const SCHEMA_KEYS = new Set(['items', 'additionalProperties', 'not']);
const SCHEMA_LIST_KEYS = new Set(['allOf', 'anyOf', 'oneOf']);

/** Rewrites one schema node; values that are data (default, enum, example) are kept as they are. */
function tidy(node: unknown, names: Map<string, string>): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k === '$ref' && typeof v === 'string') {
      const m = /^#\/(?:definitions|\$defs)\/(.+)$/.exec(v);
      const id = m ? decodeURIComponent(m[1]) : undefined;
      out.$ref = id !== undefined && names.has(id) ? `#/components/schemas/${names.get(id)}` : v;
    } else if (k === 'properties' && typeof v === 'object' && v !== null) {
      const props: Schema = {};
      for (const [pk, pv] of Object.entries(v as Schema)) props[pk] = tidy(pv, names);
      out.properties = props;
    } else if (SCHEMA_KEYS.has(k) && typeof v === 'object' && v !== null) {
      out[k] = tidy(v, names);
    } else if (SCHEMA_LIST_KEYS.has(k) && Array.isArray(v)) {
      out[k] = v.map((x) => tidy(x, names));
    } else {
      out[k] = v;
    }
  }
  if (out.type === 'integer') {
    // zod's safe-integer bounds are noise to a reader; Kubernetes says int64/int32 instead.
    if (out.minimum === -MAX_SAFE) delete out.minimum;
    if (out.maximum === MAX_SAFE) delete out.maximum;
    if (out.minimum === INT32_MIN && out.maximum === INT32_MAX) {
      delete out.minimum;
      delete out.maximum;
      out.format ??= 'int32';
    }
    out.format ??= 'int64';
  }
  if (out.type === 'number') {
    if (out.minimum === -Number.MAX_VALUE) delete out.minimum;
    if (out.maximum === Number.MAX_VALUE) delete out.maximum;
    out.format ??= 'double';
  }
  if (isOpenSchema(out)) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

/** A schema that says nothing about its value's shape. */
function isOpenSchema(s: Schema): boolean {
  return (
    s.type === undefined &&
    s.$ref === undefined &&
    s.allOf === undefined &&
    s.anyOf === undefined &&
    s.oneOf === undefined &&
    s.not === undefined &&
    s.enum === undefined &&
    s.properties === undefined
  );
}
