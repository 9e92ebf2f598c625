import { notAcceptable } from '../../../domain/errors/api-error.js';
import { parseAccept, type MediaType } from './media-type.js';

/** How a response body is encoded. */
export type Encoding = 'json' | 'yaml';

/**
 * What a client asked to receive, after content negotiation:
 * - `object`: the object or list itself;
 * - `table`: a meta.k8s.io Table (`as=Table`), as `kubectl get` asks;
 * - `partial`: PartialObjectMetadata (`as=PartialObjectMetadata`) or its list form.
 */
export type OutputFormat =
  | { kind: 'object'; encoding: Encoding }
  | { kind: 'table'; encoding: Encoding; version: MetaVersion }
  | { kind: 'partial'; encoding: Encoding; version: MetaVersion; list: boolean };

export type MetaVersion = 'v1' | 'v1beta1';

export const JSON_OUTPUT: OutputFormat = { kind: 'object', encoding: 'json' };

const META_GROUP = 'meta.k8s.io';

/**
 * Picks the response format from an Accept header, the way Kubernetes' negotiation does: the
 * best clause this server can produce wins; `as=...` transforms count only where the endpoint
 * allows them; protobuf and CBOR are not produced. No acceptable clause answers 406.
 */
export function negotiateOutput(accept: string | undefined, opts: { transforms: boolean; stream: boolean }): OutputFormat {
  const clauses = parseAccept(accept);
  if (clauses.length === 0) return JSON_OUTPUT;
  for (const clause of clauses) {
    const format = formatOf(clause, opts);
    if (format) return format;
  }
  throw notAcceptable(
    opts.stream
      ? 'only the following media types are accepted: application/json, application/json;stream=watch'
      : 'only the following media types are accepted: application/json, application/yaml',
  );
}

function formatOf(m: MediaType, opts: { transforms: boolean; stream: boolean }): OutputFormat | undefined {
  let encoding: Encoding;
  switch (m.type) {
    case 'application/json':
    case 'application/*':
    case '*/*':
      encoding = 'json';
      break;
    case 'application/yaml':
      // Watch streams are framed JSON only, as in Kubernetes.
      if (opts.stream) return undefined;
      encoding = 'yaml';
      break;
    default:
      return undefined;
  }
  const as = m.params.as;
  if (as === undefined || as === '') return { kind: 'object', encoding };
  if (!opts.transforms) return undefined;
  const group = m.params.g;
  const version = m.params.v;
  if (group !== META_GROUP || (version !== 'v1' && version !== 'v1beta1')) return undefined;
  if (as === 'Table') return { kind: 'table', encoding, version };
  if (as === 'PartialObjectMetadata') return { kind: 'partial', encoding, version, list: false };
  if (as === 'PartialObjectMetadataList') return { kind: 'partial', encoding, version, list: true };
  return undefined;
}

/** The Content-Type header for a response in this format. */
export function contentTypeOf(format: OutputFormat): string {
  const base = format.encoding === 'yaml' ? 'application/yaml' : 'application/json';
  switch (format.kind) {
    case 'object':
      return base;
    case 'table':
      return `${base};as=Table;v=${format.version};g=${META_GROUP}`;
    case 'partial':
      return `${base};as=${format.list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata'};v=${format.version};g=${META_GROUP}`;
  }
}

/** A key naming the format, for caches of encoded bodies. */
export function formatKey(format: OutputFormat): string {
  switch (format.kind) {
    case 'object':
      return format.encoding;
    case 'table':
      return `${format.encoding}:table:${format.version}`;
    case 'partial':
      return `${format.encoding}:partial:${format.version}`;
  }
}
