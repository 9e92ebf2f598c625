import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { parse as parseYaml } from 'yaml';
import { buildOpenApiV2 } from '../../../../src/adapters/http/openapi/openapi-v2-document.js';
import { buildOpenApiV3 } from '../../../../src/adapters/http/openapi/openapi-v3-document.js';
import { encodeOpenApiV2Protobuf } from '../../../../src/adapters/http/openapi/openapi-v2-protobuf.js';
import { servedDemo } from '../fixtures/demo-resources.js';

type Doc = Record<string, any>;

// Decoded with protobufjs from the published gnostic .proto, with the .proto's own (snake_case)
// names, then turned back into Swagger 2.0 JSON here, independently of the encoder.
const root = new protobuf.Root().loadSync(
  fileURLToPath(new URL('../../../../src/adapters/http/openapi/gnostic/OpenAPIv2.proto', import.meta.url)),
  { keepCase: true },
);
const Document = root.lookupType('openapi.v2.Document');

const anyValue = (a: Doc) => parseYaml(a.yaml);
const named = (list: Doc[] | undefined, f: (v: any) => unknown) => Object.fromEntries((list ?? []).map((p) => [p.name, f(p.value)]));
const ext = (m: Doc) => named(m.vendor_extension, anyValue);
const SCALARS: Record<string, string> = {
  _ref: '$ref', title: 'title', description: 'description', format: 'format', multiple_of: 'multipleOf', maximum: 'maximum',
  exclusive_maximum: 'exclusiveMaximum', minimum: 'minimum', exclusive_minimum: 'exclusiveMinimum', max_length: 'maxLength',
  min_length: 'minLength', pattern: 'pattern', max_items: 'maxItems', min_items: 'minItems', unique_items: 'uniqueItems',
  max_properties: 'maxProperties', min_properties: 'minProperties', discriminator: 'discriminator', read_only: 'readOnly',
  name: 'name', in: 'in', required: 'required', type: 'type', collection_format: 'collectionFormat', allow_empty_value: 'allowEmptyValue',
  summary: 'summary', operation_id: 'operation_id', deprecated: 'deprecated',
};
function scalars(m: Doc, out: Doc): Doc {
  for (const [k, j] of Object.entries(SCALARS)) if (m[k] !== undefined && typeof m[k] !== 'object') out[j === 'operation_id' ? 'operationId' : j] = m[k];
  return out;
}
function schemaJson(m: Doc): Doc {
  const out = scalars(m, {});
  if (m.type) out.type = m.type.value.length === 1 ? m.type.value[0] : m.type.value;
  if (m.required) out.required = m.required;
  if (m.default) out.default = anyValue(m.default);
  if (m.example) out.example = anyValue(m.example);
  if (m.enum) out.enum = m.enum.map(anyValue);
  if (m.items) out.items = schemaJson(m.items.schema[0]);
  if (m.all_of) out.allOf = m.all_of.map(schemaJson);
  if (m.properties) out.properties = named(m.properties.additional_properties, schemaJson);
  if (m.additional_properties) out.additionalProperties = m.additional_properties.schema ? schemaJson(m.additional_properties.schema) : m.additional_properties.boolean;
  return { ...out, ...ext(m) };
}
function itemsJson(m: Doc): Doc {
  const out = scalars(m, {});
  if (m.items) out.items = itemsJson(m.items);
  if (m.default) out.default = anyValue(m.default);
  if (m.enum) out.enum = m.enum.map(anyValue);
  return { ...out, ...ext(m) };
}
function parameterJson(p: Doc): Doc {
  if (p.json_reference) return { $ref: p.json_reference._ref };
  if (p.parameter.body_parameter) {
    const b = p.parameter.body_parameter;
    return { ...scalars(b, {}), schema: schemaJson(b.schema), ...ext(b) };
  }
  const sub = Object.values(p.parameter.non_body_parameter)[0] as Doc;
  const out = scalars(sub, {});
  if (sub.items) out.items = itemsJson(sub.items);
  if (sub.default) out.default = anyValue(sub.default);
  if (sub.enum) out.enum = sub.enum.map(anyValue);
  return { ...out, ...ext(sub) };
}
function operationJson(o: Doc): Doc {
  const out = scalars(o, {});
  for (const k of ['tags', 'produces', 'consumes', 'schemes']) if (o[k]) out[k] = o[k];
  if (o.parameters) out.parameters = o.parameters.map(parameterJson);
  out.responses = {
    ...named(o.responses.response_code, (r: Doc) =>
      r.json_reference
        ? { $ref: r.json_reference._ref }
        : { ...scalars(r.response, {}), ...(r.response.schema ? { schema: schemaJson(r.response.schema.schema) } : {}), ...ext(r.response) },
    ),
    ...ext(o.responses),
  };
  return { ...out, ...ext(o) };
}
function documentJson(d: Doc): Doc {
  const out: Doc = { swagger: d.swagger, info: { ...scalars(d.info, {}), version: d.info.version, ...ext(d.info) } };
  for (const k of ['schemes', 'consumes', 'produces']) if (d[k]) out[k] = d[k];
  out.paths = named(d.paths.path, (item: Doc) => {
    const o: Doc = {};
    for (const m of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) if (item[m]) o[m] = operationJson(item[m]);
    if (item.parameters) o.parameters = item.parameters.map(parameterJson);
    return { ...o, ...ext(item) };
  });
  out.definitions = named(d.definitions.additional_properties, schemaJson);
  return { ...out, ...ext(d) };
}

/** The JSON document without what Swagger 2.0 (and so gnostic's message) has no place for. */
function v2Only(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(v2Only);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => !['anyOf', 'oneOf', 'not', 'nullable'].includes(k))
      .map(([k, v]) => [k, v2Only(v)]),
  );
}

describe('http: OpenAPI v2 as gnostic protobuf', () => {
  const served = servedDemo();
  const json = buildOpenApiV2(
    [buildOpenApiV3('demo.example.com', 'v1', served, { title: 'demo', version: '1.0.0' })],
    { title: 'demo', version: '1.0.0' },
  ) as Doc;
  const bytes = encodeOpenApiV2Protobuf(json);
  const decoded = Document.toObject(Document.decode(bytes), { defaults: false, longs: Number }) as Doc;

  it('decodes, with the published .proto, to the same document as the JSON', () => {
    expect(bytes.length).to.be.greaterThan(1000);
    const back = documentJson(decoded);
    expect(Object.keys(back.definitions)).to.deep.equal(Object.keys(json.definitions));
    expect(Object.keys(back.paths)).to.deep.equal(Object.keys(json.paths));
    expect(back).to.deep.equal(JSON.parse(JSON.stringify(v2Only(json))));
  });

  it('carries what kubectl reads: the group-version-kind extension, $refs, required and defaults', () => {
    const defs = named(decoded.definitions.additional_properties, (v) => v);
    const widget = defs['com.example.demo.v1.Widget'] as Doc;
    expect(anyValue(widget.vendor_extension.find((e: Doc) => e.name === 'x-kubernetes-group-version-kind').value)).to.deep.equal([
      { group: 'demo.example.com', kind: 'Widget', version: 'v1' },
    ]);
    const props = named(widget.properties.additional_properties, (v) => v);
    expect(JSON.stringify(props.metadata)).to.contain('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    expect(decoded.swagger).to.equal('2.0');
  });

  it('refuses a parameter location Swagger 2.0 does not have instead of writing a wrong message', () => {
    const bad = { swagger: '2.0', info: { title: 't', version: '1' }, paths: { '/x': { get: { parameters: [{ in: 'cookie', name: 'c' }], responses: {} } } } };
    expect(() => encodeOpenApiV2Protobuf(bad)).to.throw(/cookie/);
  });
});
