import type { UserInfo } from '../../../domain/resource/strategy.js';
import type { RequestAttributes } from '../../../ports/authorizer.port.js';

const VERB_OF_METHOD: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * The attributes of a request as Kubernetes' RequestInfoFactory builds them, for the
 * authorizer and the Forbidden message:
 *
 * - `/api/{v}/...` and `/apis/{g}/{v}/...` with at least a resource are resource requests;
 *   everything else (discovery included) is a non-resource request whose verb is the HTTP
 *   method in lower case;
 * - the verb from the method (POST create, GET and HEAD get, PUT update, PATCH patch, DELETE
 *   delete), or from a `/watch/` (or `/proxy/`) segment before the resource;
 * - without a name, get is list, or watch when `watch` is set (anything but false and 0), and
 *   delete is deletecollection; a list or watch whose field selector is exactly
 *   `metadata.name=N` is about the object N;
 * - a namespace from `/namespaces/{ns}/...` (`/namespaces/{ns}` itself is the namespace object,
 *   whose namespace is its name).
 *
 * A path that cannot be read (bad percent-encoding) yields the raw segments: the request fails
 * later with its own error, and is authorized as written.
 */
export function requestAttributes(user: UserInfo, method: string, path: string, querystring: string): RequestAttributes {
  const attrs: RequestAttributes = {
    user,
    verb: method.toLowerCase(),
    resourceRequest: false,
    path,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
  let parts = path.split('/').filter((p) => p !== '').map(decodeSegment);
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return attrs;
  const prefix = parts[0];
  parts = parts.slice(1);
  let group = '';
  if (prefix === 'apis') {
    if (parts.length < 3) return attrs;
    group = parts[0];
    parts = parts.slice(1);
  }
  const version = parts[0];
  parts = parts.slice(1);
  let verb: string;
  let special = false;
  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) return attrs; // Kubernetes refuses such a path; nothing to authorize as a resource
    verb = parts[0];
    parts = parts.slice(1);
    special = true;
  } else {
    verb = VERB_OF_METHOD[method.toUpperCase()] ?? '';
  }
  let namespace = '';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts.length >= 3 && verb !== 'proxy' ? parts[2] : '';
  Object.assign(attrs, { resourceRequest: true, verb, apiGroup: group, apiVersion: version, resource, subresource, namespace, name });

  if (attrs.name === '' && attrs.verb === 'get' && !special) {
    const query = new URLSearchParams(querystring);
    const watch = query.get('watch');
    attrs.verb = watch !== null && watch.toLowerCase() !== 'false' && watch !== '0' ? 'watch' : 'list';
  }
  if (!special && attrs.name === '' && (attrs.verb === 'list' || attrs.verb === 'watch') && querystring.includes('fieldSelector')) {
    const named = exactName(new URLSearchParams(querystring).get('fieldSelector'));
    if (named !== undefined) attrs.name = named;
  }
  if (attrs.name === '' && attrs.verb === 'delete') attrs.verb = 'deletecollection';
  return attrs;
}

/** The name a field selector requires exactly (`metadata.name=N` or `==`, alone or among others). */
function exactName(selector: string | null): string | undefined {
  if (!selector) return undefined;
  let found: string | undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (!m) continue;
    if (found !== undefined && found !== m[2]) return undefined;
    found = m[2];
  }
  // A valid path segment name only, as Kubernetes checks.
  if (found === undefined || found === '' || found === '.' || found === '..' || /[/%]/.test(found)) return undefined;
  return found;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
