import type { ResourceDefinition } from '../../../domain/resource/resource-definition.js';
import type { ServedResource, ServedSubresource } from '../../../ports/resource-api.port.js';
import { PATCH_CONTENT_TYPES } from '../request/body-decoder.js';
import {
  API_VERSION_PROPERTY,
  DELETE_OPTIONS,
  KIND_PROPERTY,
  LIST_META_PROPERTY,
  metaSchemas,
  OBJECT_META_PROPERTY,
  PATCH,
  ref,
  SCALE,
  type Schema,
} from './meta-schemas.js';
import { DELETE_PARAMS, LIST_PARAMS, PARAM, PATCH_PARAMS, WRITE_PARAMS } from './openapi-parameters.js';
import { convertZodSchema } from './schema-from-zod.js';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/**
 * The OpenAPI v3 document of one group-version, as Kubernetes serves it at
 * `/openapi/v3/apis/{group}/{version}`: per kind the collection and item paths (namespaced and
 * across namespaces), each operation with `x-kubernetes-group-version-kind` and
 * `x-kubernetes-action`, and component schemas from the kind's zod schemas.
 *
 * Two clients' needs shape it. kubectl decides that the server validates fields itself when the
 * kind's `patch` operation lists a `fieldValidation` parameter, so every kind that can be
 * written has one. And kubectl switches to strategic merge patch when a patch operation accepts
 * it, which this server does not implement: it is never listed.
 */
export function buildOpenApiV3(group: string, version: string, resources: readonly ServedResource[], info: OpenApiInfo): Schema {
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, Schema> = {};
  const schemas: Record<string, Schema> = metaSchemas({ scale: resources.some((r) => r.subresources.some(isScale)) });
  const tag = tagOf(group, version);

  for (const r of resources) {
    const d = r.definition;
    const name = schemaName(d.group, d.version, d.kind);
    const listName = `${name}List`;
    Object.assign(schemas, kindSchemas(d, name, listName));
    const ops = new OperationFactory(d, tag, name, listName);
    const verbs = new Set(r.verbs);
    // See above: the fieldValidation probe reads the patch operation of every writable kind.
    const patchable = verbs.has('patch') || verbs.has('create') || verbs.has('update');

    const nsPrefix = d.namespaced ? `${prefix}/namespaces/{namespace}` : prefix;
    const nsParams = d.namespaced ? [PARAM.namespace, PARAM.pretty] : [PARAM.pretty];
    const collection: Schema = { parameters: nsParams };
    if (verbs.has('list') || verbs.has('watch')) collection.get = ops.list(d.namespaced, false);
    if (verbs.has('create')) collection.post = ops.create(d.namespaced);
    if (verbs.has('deletecollection')) collection.delete = ops.deleteCollection(d.namespaced);
    paths[`${nsPrefix}/${d.plural}`] = collection;

    const item: Schema = { parameters: [PARAM.name, ...nsParams] };
    if (verbs.has('get')) item.get = ops.read(d.namespaced);
    if (verbs.has('update')) item.put = ops.replace(d.namespaced);
    if (patchable) item.patch = ops.patch(d.namespaced);
    if (verbs.has('delete')) item.delete = ops.delete(d.namespaced);
    paths[`${nsPrefix}/${d.plural}/{name}`] = item;

    if (d.namespaced && (verbs.has('list') || verbs.has('watch'))) {
      paths[`${prefix}/${d.plural}`] = { parameters: [PARAM.pretty], get: ops.list(false, true) };
    }

    for (const s of r.subresources) {
      const sub: Schema = { parameters: [PARAM.name, ...nsParams] };
      const subSchema = isScale(s) ? SCALE : s.kind === d.kind ? name : undefined;
      const sv = new Set(s.verbs);
      if (sv.has('get')) sub.get = ops.subresource(d.namespaced, s, 'get', subSchema);
      if (sv.has('update')) sub.put = ops.subresource(d.namespaced, s, 'put', subSchema);
      if (sv.has('patch')) sub.patch = ops.subresource(d.namespaced, s, 'patch', subSchema);
      if (sv.has('create')) sub.post = ops.subresource(d.namespaced, s, 'post', subSchema);
      paths[`${nsPrefix}/${d.plural}/{name}/${s.name}`] = sub;
    }
  }

  return {
    openapi: '3.0.0',
    info: infoObject(info),
    paths,
    components: { schemas: sortKeys(schemas) },
  };
}

export function infoObject(info: OpenApiInfo): Schema {
  const out: Schema = { title: info.title, version: info.version };
  if (info.description !== undefined) out.description = info.description;
  return out;
}

/** The component name of a kind: the group reversed, as Kubernetes names CRD schemas. */
export function schemaName(group: string, version: string, kind: string): string {
  if (group === '') return `io.k8s.api.core.${version}.${kind}`;
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function kindSchemas(d: ResourceDefinition, name: string, listName: string): Record<string, Schema> {
  const converted = convertZodSchema(d.bodySchema, name);
  const body = converted.schema;
  const bodyProps = (body.properties ?? {}) as Record<string, Schema>;
  const properties: Record<string, Schema> = {
    apiVersion: API_VERSION_PROPERTY,
    kind: KIND_PROPERTY,
    metadata: OBJECT_META_PROPERTY,
  };
  for (const [key, value] of Object.entries(bodyProps)) {
    const v: Schema = { ...value };
    if (v.description === undefined) {
      if (key === 'spec') v.description = `The desired state of the ${d.kind}.`;
      else if (key === 'status') v.description = `The observed state of the ${d.kind}. Read-only; written through the status subresource when it has one.`;
    }
    properties[key] = v;
  }
  const kind: Schema = {
    type: 'object',
    description: d.description ?? `${d.kind} is a ${d.apiVersion} resource.`,
    properties,
    'x-kubernetes-group-version-kind': [{ group: d.group, kind: d.kind, version: d.version }],
  };
  if (Array.isArray(body.required) && body.required.length > 0) kind.required = [...(body.required as string[])];
  const list: Schema = {
    type: 'object',
    description: `A list of ${d.kind} objects.`,
    required: ['items'],
    properties: {
      apiVersion: API_VERSION_PROPERTY,
      items: { type: 'array', description: `The ${d.plural}.`, items: ref(name, { default: {} }) },
      kind: KIND_PROPERTY,
      metadata: LIST_META_PROPERTY,
    },
    'x-kubernetes-group-version-kind': [{ group: d.group, kind: `${d.kind}List`, version: d.version }],
  };
  return { ...converted.components, [name]: kind, [listName]: list };
}

const JSON_YAML = ['application/json', 'application/yaml'];

function content(schemaRef: string, types: readonly string[] = JSON_YAML): Schema {
  const out: Schema = {};
  for (const t of types) out[t] = { schema: { $ref: `#/components/schemas/${schemaRef}` } };
  return out;
}

function responses(codes: Record<string, string>, schemaRef: string, types?: readonly string[]): Schema {
  const out: Schema = {};
  for (const [code, description] of Object.entries(codes)) out[code] = { description, content: content(schemaRef, types) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

class OperationFactory {
  private readonly base: string;
  private readonly gvk: Schema;

  constructor(
    private readonly d: ResourceDefinition,
    private readonly tag: string,
    private readonly name: string,
    private readonly listName: string,
  ) {
    this.base = `${camel(d.group)}${capitalize(d.version)}`;
    this.gvk = { group: d.group, version: d.version, kind: d.kind };
  }

  private id(verb: string, namespaced: boolean, suffix = ''): string {
    return `${verb}${this.base}${namespaced ? 'Namespaced' : ''}${this.d.kind}${suffix}`;
  }

  private op(action: string, operationId: string, description: string, rest: Schema): Schema {
    return {
      tags: [this.tag],
      description,
      operationId,
      ...rest,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': this.gvk,
    };
  }

  list(namespaced: boolean, allNamespaces: boolean): Schema {
    return this.op(
      'list',
      allNamespaces ? `list${this.base}${this.d.kind}ForAllNamespaces` : this.id('list', namespaced),
      `list or watch objects of kind ${this.d.kind}${allNamespaces ? ' across all namespaces' : ''}`,
      {
        parameters: LIST_PARAMS,
        responses: responses({ '200': 'OK' }, this.listName, [...JSON_YAML, 'application/json;stream=watch']),
      },
    );
  }

  create(namespaced: boolean): Schema {
    return this.op('post', this.id('create', namespaced), `create a ${this.d.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: { content: content(this.name), required: true },
      responses: responses({ '200': 'OK', '201': 'Created', '202': 'Accepted' }, this.name),
    });
  }

  deleteCollection(namespaced: boolean): Schema {
    return this.op('deletecollection', this.id('deleteCollection', namespaced), `delete a collection of ${this.d.kind}`, {
      parameters: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
      requestBody: { content: content(DELETE_OPTIONS) },
      responses: responses({ '200': 'OK' }, this.listName),
    });
  }

  read(namespaced: boolean): Schema {
    return this.op('get', this.id('read', namespaced), `read the specified ${this.d.kind}`, {
      parameters: [PARAM.resourceVersion],
      responses: responses({ '200': 'OK' }, this.name),
    });
  }

  replace(namespaced: boolean): Schema {
    return this.op('put', this.id('replace', namespaced), `replace the specified ${this.d.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: { content: content(this.name), required: true },
      responses: responses({ '200': 'OK', '201': 'Created' }, this.name),
    });
  }

  patch(namespaced: boolean): Schema {
    return this.op('patch', this.id('patch', namespaced), `partially update the specified ${this.d.kind}`, {
      parameters: PATCH_PARAMS,
      requestBody: { content: patchContent(), required: true },
      responses: responses({ '200': 'OK', '201': 'Created' }, this.name),
    });
  }

  delete(namespaced: boolean): Schema {
    return this.op('delete', this.id('delete', namespaced), `delete a ${this.d.kind}`, {
      parameters: DELETE_PARAMS,
      requestBody: { content: content(DELETE_OPTIONS) },
      responses: {
        ...responses({ '200': 'OK', '202': 'Accepted' }, this.name),
      },
    });
  }

  subresource(namespaced: boolean, s: ServedSubresource, method: 'get' | 'put' | 'patch' | 'post', schemaRef: string | undefined): Schema {
    const suffix = capitalize(s.name);
    const target = schemaRef ?? this.name;
    const verb = { get: 'read', put: 'replace', patch: 'patch', post: 'create' }[method];
    const action = method;
    const rest: Schema = {};
    if (method === 'get') rest.responses = responses({ '200': 'OK' }, target);
    if (method === 'put' || method === 'post') {
      rest.parameters = WRITE_PARAMS;
      rest.requestBody = { content: content(target), required: true };
      rest.responses = responses({ '200': 'OK', '201': 'Created' }, target);
    }
    if (method === 'patch') {
      rest.parameters = PATCH_PARAMS;
      rest.requestBody = { content: patchContent(), required: true };
      rest.responses = responses({ '200': 'OK', '201': 'Created' }, target);
    }
    const op = this.op(action, this.id(verb, namespaced, suffix), `${verb} ${s.name} of the specified ${this.d.kind}`, rest);
    op['x-kubernetes-group-version-kind'] = { group: s.group, version: s.version, kind: s.kind };
    return op;
  }
}

function patchContent(): Schema {
  const out: Schema = {};
  for (const type of Object.keys(PATCH_CONTENT_TYPES)) out[type] = { schema: { $ref: `#/components/schemas/${PATCH}` } };
  return out;
}

function isScale(s: ServedSubresource): boolean {
  return s.name === 'scale' && s.kind === 'Scale' && s.group === 'autoscaling';
}

function tagOf(group: string, version: string): string {
  return group === '' ? `core_${version}` : `${lowerFirst(camel(group))}_${version}`;
}

function camel(group: string): string {
  return group
    .split(/[.-]/)
    .filter((p) => p !== '')
    .map(capitalize)
    .join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
