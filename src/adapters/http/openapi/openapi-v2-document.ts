import { infoObject, type OpenApiInfo } from './openapi-v3-document.js';
import type { Schema } from './meta-schemas.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * The Swagger 2.0 (`/openapi/v2`) form of the group-version documents, merged into one: the
 * same paths and schemas, with body parameters, `consumes`/`produces` and `#/definitions/`
 * references. Served only when JSON is asked for.
 */
export function buildOpenApiV2(documents: readonly Schema[], info: OpenApiInfo): Schema {
  const paths: Record<string, Schema> = {};
  const definitions: Record<string, Schema> = {};
  for (const doc of documents) {
    const schemas = ((doc.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>;
    for (const [name, schema] of Object.entries(schemas)) definitions[name] = toV2Schema(schema) as Schema;
    for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Schema>)) {
      const out: Schema = {};
      if (Array.isArray(item.parameters)) out.parameters = item.parameters.map(toV2Parameter);
      for (const m of METHODS) {
        const op = item[m] as Schema | undefined;
        if (op) out[m] = toV2Operation(op);
      }
      paths[path] = out;
    }
  }
  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(definitions).sort()) sorted[k] = definitions[k];
  return { swagger: '2.0', info: infoObject(info), paths, definitions: sorted };
}

function toV2Operation(op: Schema): Schema {
  const out: Schema = {};
  const parameters = Array.isArray(op.parameters) ? op.parameters.map(toV2Parameter) : [];
  const body = op.requestBody as Schema | undefined;
  let consumes: string[] | undefined;
  if (body) {
    const contentTypes = (body.content ?? {}) as Record<string, Schema>;
    consumes = Object.keys(contentTypes);
    const first = Object.values(contentTypes)[0];
    parameters.unshift({ name: 'body', in: 'body', required: body.required === true, schema: toV2Schema(first?.schema ?? {}) });
  }
  const produces = new Set<string>();
  const responses: Schema = {};
  for (const [code, r] of Object.entries((op.responses ?? {}) as Record<string, Schema>)) {
    const resp: Schema = { description: r.description ?? '' };
    const contentTypes = (r.content ?? {}) as Record<string, Schema>;
    for (const t of Object.keys(contentTypes)) produces.add(t);
    const first = Object.values(contentTypes)[0];
    if (first?.schema) resp.schema = toV2Schema(first.schema);
    responses[code] = resp;
  }
  for (const [k, v] of Object.entries(op)) {
    if (k === 'parameters' || k === 'requestBody' || k === 'responses') continue;
    out[k] = v;
  }
  if (consumes) out.consumes = consumes;
  if (produces.size > 0) out.produces = [...produces];
  if (parameters.length > 0) out.parameters = parameters;
  out.responses = responses;
  out.schemes = ['https'];
  return out;
}

function toV2Parameter(p: Schema): Schema {
  const { schema, ...rest } = p as Schema & { schema?: Schema };
  return { ...rest, ...((schema ?? {}) as Schema) };
}

function toV2Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV2Schema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    // v3's `allOf: [{$ref}]` (a reference with siblings) is a plain $ref beside them in v2, as
    // in kube-apiserver's document: kubectl 1.20's explain does not follow allOf.
    if (k === 'allOf' && Array.isArray(v) && v.length === 1 && isRefOnly(v[0]) && !('$ref' in node)) {
      out.$ref = (v[0].$ref as string).replace('#/components/schemas/', '#/definitions/');
    } else if (k === '$ref' && typeof v === 'string') out.$ref = v.replace('#/components/schemas/', '#/definitions/');
    else if (k === 'nullable') out['x-nullable'] = v;
    else if (k === 'default' || k === 'enum' || k === 'example') out[k] = v;
    else out[k] = toV2Schema(v);
  }
  return out;
}

function isRefOnly(v: unknown): v is { $ref: string } {
  return typeof v === 'object' && v !== null && Object.keys(v).length === 1 && typeof (v as Schema).$ref === 'string';
}
