import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Schema } from './meta-schemas.js';

/**
 * The `/openapi/v2` document in the protobuf encoding client-go's `OpenAPISchema()` asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): gnostic's
 * `openapi_v2.Document`, from the published .proto (vendored in ./gnostic), filled from the
 * Swagger 2.0 JSON document the way gnostic's compiler reads one. Values of no fixed type
 * (`default`, `enum`, `example`, `x-` extensions) are gnostic `Any`s holding their YAML text
 * (JSON, which YAML reads), as kube-openapi's readers expect.
 */

type Msg = Record<string, unknown>;

let documentType: protobuf.Type | undefined;

function gnosticDocument(): protobuf.Type {
  if (!documentType) {
    // keepCase: the message objects below use the .proto's own field names. Its import of
    // google/protobuf/any.proto is one of the definitions protobufjs carries itself.
    const root = new protobuf.Root().loadSync(fileURLToPath(new URL('./gnostic/OpenAPIv2.proto', import.meta.url)), { keepCase: true });
    root.resolveAll();
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

/** Encodes a Swagger 2.0 document (as built by buildOpenApiV2) as a gnostic openapi_v2.Document. */
export function encodeOpenApiV2Protobuf(doc: Schema): Uint8Array {
  const type = gnosticDocument();
  const message = documentMessage(doc);
  const err = type.verify(message);
  if (err) throw new Error(`the OpenAPI v2 document does not fit openapi_v2.Document: ${err}`);
  return type.encode(type.fromObject(message)).finish();
}

function documentMessage(doc: Schema): Msg {
  const out: Msg = {};
  copyScalars(doc, out, { swagger: 'swagger', host: 'host', basePath: 'base_path' });
  copyStrings(doc, out, { schemes: 'schemes', consumes: 'consumes', produces: 'produces' });
  if (isObject(doc.info)) {
    const info: Msg = {};
    copyScalars(doc.info, info, { title: 'title', version: 'version', description: 'description', termsOfService: 'terms_of_service' });
    addExtensions(doc.info, info);
    out.info = info;
  }
  if (isObject(doc.paths)) {
    const paths = entries(doc.paths).filter(([k]) => !k.startsWith('x-'));
    out.paths = { path: paths.map(([name, item]) => ({ name, value: pathItem(item) })), vendor_extension: extensions(doc.paths) };
  }
  if (isObject(doc.definitions)) {
    out.definitions = { additional_properties: entries(doc.definitions).map(([name, s]) => ({ name, value: schema(s) })) };
  }
  addExtensions(doc, out);
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

function pathItem(item: unknown): Msg {
  const out: Msg = {};
  if (!isObject(item)) return out;
  if (typeof item.$ref === 'string') out._ref = item.$ref;
  for (const m of METHODS) if (isObject(item[m])) out[m] = operation(item[m]);
  if (Array.isArray(item.parameters)) out.parameters = item.parameters.map(parametersItem);
  addExtensions(item, out);
  return out;
}

function operation(op: Schema): Msg {
  const out: Msg = {};
  copyStrings(op, out, { tags: 'tags', produces: 'produces', consumes: 'consumes', schemes: 'schemes' });
  copyScalars(op, out, { summary: 'summary', description: 'description', operationId: 'operation_id', deprecated: 'deprecated' });
  if (Array.isArray(op.parameters)) out.parameters = op.parameters.map(parametersItem);
  if (isObject(op.responses)) {
    out.responses = {
      response_code: entries(op.responses)
        .filter(([code]) => !code.startsWith('x-'))
        .map(([name, r]) => ({ name, value: responseValue(r) })),
      vendor_extension: extensions(op.responses),
    };
  }
  addExtensions(op, out);
  return out;
}

function responseValue(r: unknown): Msg {
  if (isObject(r) && typeof r.$ref === 'string') return { json_reference: { _ref: r.$ref } };
  const out: Msg = {};
  if (isObject(r)) {
    copyScalars(r, out, { description: 'description' });
    if (isObject(r.schema)) out.schema = r.schema.type === 'file' ? { file_schema: fileSchema(r.schema) } : { schema: schema(r.schema) };
    addExtensions(r, out);
  }
  return { response: out };
}

function fileSchema(s: Schema): Msg {
  const out: Msg = {};
  copyScalars(s, out, { format: 'format', title: 'title', description: 'description', type: 'type', readOnly: 'read_only' });
  if (s.default !== undefined) out.default = any(s.default);
  if (s.example !== undefined) out.example = any(s.example);
  copyStrings(s, out, { required: 'required' });
  addExtensions(s, out);
  return out;
}

const SUB_SCHEMAS: Record<string, string> = {
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
};

/** The scalar members a non-body parameter, its items and a schema have, by JSON name. */
const VALIDATION_SCALARS: Record<string, string> = {
  format: 'format',
  multipleOf: 'multiple_of',
  maximum: 'maximum',
  exclusiveMaximum: 'exclusive_maximum',
  minimum: 'minimum',
  exclusiveMinimum: 'exclusive_minimum',
  maxLength: 'max_length',
  minLength: 'min_length',
  pattern: 'pattern',
  maxItems: 'max_items',
  minItems: 'min_items',
  uniqueItems: 'unique_items',
};

function parametersItem(p: unknown): Msg {
  if (!isObject(p)) return { parameter: {} };
  if (typeof p.$ref === 'string') return { json_reference: { _ref: p.$ref } };
  if (p.in === 'body') {
    const body: Msg = {};
    copyScalars(p, body, { description: 'description', name: 'name', in: 'in', required: 'required' });
    if (isObject(p.schema)) body.schema = schema(p.schema);
    addExtensions(p, body);
    return { parameter: { body_parameter: body } };
  }
  const field = SUB_SCHEMAS[String(p.in)];
  if (!field) throw new Error(`a parameter of the OpenAPI v2 document is in ${JSON.stringify(p.in)}`);
  const sub: Msg = {};
  copyScalars(p, sub, {
    required: 'required',
    in: 'in',
    description: 'description',
    name: 'name',
    allowEmptyValue: 'allow_empty_value',
    type: 'type',
    collectionFormat: 'collection_format',
    ...VALIDATION_SCALARS,
  });
  // A path parameter's sub-schema has no allow_empty_value.
  if (p.in === 'path') delete sub.allow_empty_value;
  if (isObject(p.items)) sub.items = primitivesItems(p.items);
  if (p.default !== undefined) sub.default = any(p.default);
  if (Array.isArray(p.enum)) sub.enum = p.enum.map(any);
  addExtensions(p, sub);
  return { parameter: { non_body_parameter: { [field]: sub } } };
}

function primitivesItems(s: Schema): Msg {
  const out: Msg = {};
  copyScalars(s, out, { type: 'type', collectionFormat: 'collection_format', ...VALIDATION_SCALARS });
  if (isObject(s.items)) out.items = primitivesItems(s.items);
  if (s.default !== undefined) out.default = any(s.default);
  if (Array.isArray(s.enum)) out.enum = s.enum.map(any);
  addExtensions(s, out);
  return out;
}

/**
 * A JSON Schema (Swagger 2.0's subset) as gnostic's Schema. Members Swagger 2.0 does not have
 * (`anyOf`, `oneOf`, `not`, `nullable`) have no place in the message and are left out, as
 * kube-apiserver leaves them out of its v2 document.
 */
function schema(s: unknown): Msg {
  const out: Msg = {};
  if (!isObject(s)) return out;
  if (typeof s.$ref === 'string') out._ref = s.$ref;
  copyScalars(s, out, {
    title: 'title',
    description: 'description',
    maxProperties: 'max_properties',
    minProperties: 'min_properties',
    discriminator: 'discriminator',
    readOnly: 'read_only',
    ...VALIDATION_SCALARS,
  });
  if (s.default !== undefined) out.default = any(s.default);
  if (s.example !== undefined) out.example = any(s.example);
  copyStrings(s, out, { required: 'required' });
  if (Array.isArray(s.enum)) out.enum = s.enum.map(any);
  if (typeof s.additionalProperties === 'boolean') out.additional_properties = { boolean: s.additionalProperties };
  else if (isObject(s.additionalProperties)) out.additional_properties = { schema: schema(s.additionalProperties) };
  if (typeof s.type === 'string') out.type = { value: [s.type] };
  else if (Array.isArray(s.type)) out.type = { value: s.type.filter((t): t is string => typeof t === 'string') };
  if (Array.isArray(s.items)) out.items = { schema: s.items.map(schema) };
  else if (isObject(s.items)) out.items = { schema: [schema(s.items)] };
  if (Array.isArray(s.allOf)) out.all_of = s.allOf.map(schema);
  if (isObject(s.properties)) out.properties = { additional_properties: entries(s.properties).map(([name, p]) => ({ name, value: schema(p) })) };
  addExtensions(s, out);
  return out;
}

/** gnostic's Any for a value of no fixed type: its YAML text (JSON is YAML). */
function any(value: unknown): Msg {
  return { yaml: `${JSON.stringify(value)}\n` };
}

function extensions(node: Schema): Msg[] {
  return entries(node)
    .filter(([k]) => k.startsWith('x-'))
    .map(([name, value]) => ({ name, value: any(value) }));
}

function addExtensions(node: Schema, out: Msg): void {
  const ext = extensions(node);
  if (ext.length > 0) out.vendor_extension = ext;
}

/** Copies string, number and boolean members under their .proto names. */
function copyScalars(from: Schema, to: Msg, names: Record<string, string>): void {
  for (const [json, field] of Object.entries(names)) {
    const v = from[json];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') to[field] = v;
  }
}

function copyStrings(from: Schema, to: Msg, names: Record<string, string>): void {
  for (const [json, field] of Object.entries(names)) {
    const v = from[json];
    if (Array.isArray(v)) to[field] = v.filter((x): x is string => typeof x === 'string');
  }
}

function entries(node: unknown): Array<[string, Schema]> {
  return isObject(node) ? (Object.entries(node) as Array<[string, Schema]>) : [];
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
