import { parseAllDocuments } from 'yaml';
import { badRequest, unsupportedMediaType } from '../../../domain/errors/api-error.js';
import type { PatchType } from '../../../ports/resource-api.port.js';
import { parseMediaType } from '../negotiation/media-type.js';
import { decodeReviewProtobuf } from '../access/review-protobuf.js';

/** Content types of patches this server applies, as the OpenAPI document advertises them. */
export const PATCH_CONTENT_TYPES: Readonly<Record<string, Exclude<PatchType, 'strategic'>>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/apply-patch+yaml': 'apply',
};

const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/**
 * Decodes an object body (create, update, subresource writes): JSON when the Content-Type says
 * so or says nothing, YAML for `application/yaml`. Anything else is 415; a body that does not
 * parse is 400.
 */
export function decodeObjectBody(contentType: string | undefined, raw: Buffer): unknown {
  const type = mediaTypeOf(contentType);
  if (raw.length === 0) throw badRequest('the request body is empty; an object was expected');
  if (type === undefined || type === 'application/json') return parseJson(raw);
  if (type === 'application/yaml') return parseYaml(raw);
  // kubectl sends the self reviews of `auth can-i` and `auth whoami` only as protobuf.
  const review = type === 'application/vnd.kubernetes.protobuf' ? decodeReviewProtobuf(raw) : undefined;
  if (review !== undefined) return review;
  throw unsupportedMediaType(
    `the body of the request was in an unknown format (${type}); accepted media types include: application/json, application/yaml`,
  );
}

/** Decodes a PATCH body by its Content-Type into the patch type and the parsed patch. */
export function decodePatchBody(contentType: string | undefined, raw: Buffer): { type: PatchType; patch: unknown } {
  const media = mediaTypeOf(contentType);
  const type = media === undefined || media === STRATEGIC_MERGE_PATCH ? undefined : PATCH_CONTENT_TYPES[media];
  if (type === undefined) {
    // Word for word what kube-apiserver answers for a custom resource: clients (kustomize,
    // operators) recognise it and retry a strategic merge patch as a merge patch.
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).join(', ')}`,
    );
  }
  if (raw.length === 0) throw badRequest('the patch is empty');
  const patch = type === 'apply' ? parseYaml(raw) : parseJson(raw);
  if (type === 'json' && !Array.isArray(patch)) {
    throw badRequest('a JSON patch (application/json-patch+json) must be an array of operations');
  }
  if ((type === 'merge' || type === 'apply') && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
    throw badRequest(`a ${type === 'merge' ? 'merge patch' : 'server-side apply'} body must be an object`);
  }
  return { type, patch };
}

/** Decodes an optional body (DELETE): undefined when empty; JSON or YAML otherwise. */
export function decodeOptionalBody(contentType: string | undefined, raw: Buffer): unknown {
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return undefined;
  return decodeObjectBody(contentType, raw);
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType.trim() === '') return undefined;
  const parsed = parseMediaType(contentType);
  if (!parsed) throw unsupportedMediaType(`the Content-Type ${JSON.stringify(contentType)} is not a media type`);
  return parsed.type;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The tags of YAML 1.1 that Kubernetes' YAML reading (sigs.k8s.io/yaml, over go-yaml v2) does not
 * resolve into values of their own for a plain scalar: timestamps stay strings there, `1:20` is
 * no sexagesimal number, and the collection and binary types would not be JSON.
 */
const NOT_KUBERNETES_TAGS = new Set([
  'tag:yaml.org,2002:timestamp',
  'tag:yaml.org,2002:binary',
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
]);

function kubernetesYamlTags<T extends { tag: string; format?: string }>(tags: T[]): T[] {
  return tags.filter((t) => !NOT_KUBERNETES_TAGS.has(t.tag) && t.format !== 'TIME');
}

/**
 * YAML as kube-apiserver reads it (sigs.k8s.io/yaml): YAML 1.1 types, so `y`, `yes`, `on` (and
 * `n`, `no`, `off`) are booleans and `0777` is octal; a value meant as a string must be quoted,
 * as kubectl would read it too. A key given twice keeps its last value, as there.
 */
function parseYaml(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  // kubectl and client-go send apply bodies as JSON under the YAML type. JSON text reads the same
  // as YAML (its strings are quoted, so no 1.1 booleans; a repeated key keeps the last value, as
  // sigs.k8s.io/yaml does), and JSON.parse is some fifty times faster on a large body.
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all (a YAML flow mapping, or a mistake the YAML reader words better).
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: false, version: '1.1', customTags: kubernetesYamlTags as never, uniqueKeys: false });
  if (!Array.isArray(docs)) throw badRequest('the request body is not valid YAML');
  const nonEmpty = docs.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length !== 1) {
    throw badRequest(nonEmpty.length === 0 ? 'the request body is empty; an object was expected' : 'the request body must hold exactly one YAML document');
  }
  const doc = nonEmpty[0];
  if (doc.errors.length > 0) throw badRequest(`the request body is not valid YAML: ${doc.errors[0].message}`);
  try {
    // YAML 1.1 types without the ones above: the result is plain JSON data.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
  }
}
