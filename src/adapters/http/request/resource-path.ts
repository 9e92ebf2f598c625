import { ApiError, badRequest } from '../../../domain/errors/api-error.js';

/**
 * Where a resource request points: `/apis/{group}/{version}/[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]`,
 * or a legacy watch path `/apis/{group}/{version}/watch/[namespaces/{ns}/]{plural}[/{name}]`.
 */
export interface ResourceAddress {
  /** `''` for the core group (`/api/{version}/...`). */
  group: string;
  version: string;
  /** The namespace of the path, if the path has one. */
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
  /**
   * Set on the legacy watch paths (`.../watch/...`, deprecated since Kubernetes 1.11 but still
   * served by kube-apiserver, and the only way some clients watch): a GET there is a watch
   * without `watch=true`.
   */
  watch?: true;
}

// A namespace's own subresources, which are not resources inside the namespace.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Parses the path of a resource request. Returns undefined for paths that are not resource
 * paths (discovery, `/version`, ...). Throws NotFound for resource paths with too many
 * segments and BadRequest for segments that do not decode.
 */
export function parseResourcePath(path: string): ResourceAddress | undefined {
  // Only `/api/...` and `/apis/...` can be resource paths; anything else is left to other routes.
  const trimmed = trimSlashes(path);
  if (!trimmed.startsWith('api')) return undefined;
  const raw = trimmed.split('/');
  let group: string;
  let version: string;
  let first: number;
  if (raw[0] === 'apis' && raw.length >= 4) {
    group = decodeSegment(raw[1]);
    version = decodeSegment(raw[2]);
    first = 3;
  } else if (raw[0] === 'api' && raw.length >= 3) {
    group = '';
    version = decodeSegment(raw[1]);
    first = 2;
  } else {
    return undefined;
  }
  const parts: string[] = [];
  for (let i = first; i < raw.length; i++) {
    const part = decodeSegment(raw[i]);
    if (part === '') throw pathNotFound();
    parts.push(part);
  }
  const watch = parts[0] === 'watch' && parts.length > 1;
  if (watch) parts.shift();
  let namespace: string | undefined;
  let at = 0;
  if (parts[0] === 'namespaces' && parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) {
    namespace = parts[1];
    at = 2;
  }
  // Watch paths name a collection or one item, never a subresource.
  if (parts.length - at > (watch ? 2 : 3)) throw pathNotFound();
  const addr: ResourceAddress = { group, version, namespace, plural: parts[at], name: parts[at + 1], subresource: parts[at + 2] };
  if (watch) addr.watch = true;
  return addr;
}

function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === 47) start++;
  while (end > start && path.charCodeAt(end - 1) === 47) end--;
  return path.slice(start, end);
}

/** The 404 Kubernetes answers for a path it does not serve. */
export function pathNotFound(): ApiError {
  return new ApiError('NotFound', 404, 'the server could not find the requested resource', {});
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`the path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}
