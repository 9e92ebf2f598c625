import { ApiError, badRequest } from '../../../domain/errors/api-error.js';

/** Where a resource request points: `/apis/{group}/{version}/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]`. */
export interface ResourceAddress {
  /** `''` for the core group (`/api/{version}/...`). */
  group: string;
  version: string;
  /** The namespace of the path, if the path has one. */
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

// A namespace's own subresources, which are not resources inside the namespace.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Parses the path of a resource request. Returns undefined for paths that are not resource
 * paths (discovery, `/version`, ...). Throws NotFound for resource paths with too many
 * segments and BadRequest for segments that do not decode.
 */
export function parseResourcePath(path: string): ResourceAddress | undefined {
  const raw = path.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
  let group: string;
  let version: string;
  let rest: string[];
  if (raw[0] === 'apis' && raw.length >= 4) {
    group = decodeSegment(raw[1]);
    version = decodeSegment(raw[2]);
    rest = raw.slice(3);
  } else if (raw[0] === 'api' && raw.length >= 3) {
    group = '';
    version = decodeSegment(raw[1]);
    rest = raw.slice(2);
  } else {
    return undefined;
  }
  const parts = rest.map(decodeSegment);
  if (parts.some((p) => p === '')) throw pathNotFound();
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) {
    namespace = parts[1];
    parts.splice(0, 2);
  }
  if (parts.length > 3) throw pathNotFound();
  const [plural, name, subresource] = parts;
  return { group, version, namespace, plural, name, subresource };
}

/** The 404 Kubernetes answers for a path it does not serve. */
export function pathNotFound(): ApiError {
  return new ApiError('NotFound', 404, 'the server could not find the requested resource', {});
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}
