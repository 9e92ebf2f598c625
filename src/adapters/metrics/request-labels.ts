import type { ResourceApi } from '../../ports/resource-api.port.js';
import type { ObservedRequest } from '../../ports/request-observer.port.js';

/** What stands in a label for a value outside the bounded set (an unknown verb, resource or path). */
export const OTHER = 'other';

/** The labels kube-apiserver puts on a request's series. */
export interface RequestLabels {
  verb: string;
  dry_run: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
}

/** What the metrics know of one served type. */
interface ServedType {
  kind: string;
  subresources: ReadonlySet<string>;
}

const VERB_OF_ATTRIBUTE: Record<string, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
};

const NON_RESOURCE_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Non-resource paths every server has: always their own label value. */
const FIXED_PATHS = new Set(['/', '/api', '/apis', '/version', '/healthz', '/livez', '/readyz', '/metrics', '/openapi/v2', '/openapi/v3']);

/**
 * Turns a request into label values whose number is fixed by what the server serves, never by
 * what clients send: names and namespaces are never labels; an unknown verb, resource or
 * subresource is `other`; a non-resource path is its own value only when it is one of the
 * server's paths (discovery of a served group, a health check that answered), else `other`.
 * The values follow kube-apiserver's: verbs GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE,
 * DELETECOLLECTION; scope `resource` (a named object or a create), `namespace`, `cluster`, or
 * empty for non-resource requests, whose path goes in `subresource`.
 */
export class RequestLabeler {
  private types: Map<string, ServedType> | undefined;
  private groupVersions: Set<string> | undefined;

  constructor(private readonly api: () => ResourceApi) {}

  labels(req: ObservedRequest, code: number): RequestLabels {
    const a = req.attributes;
    const dryRun = cleanDryRun(req.query);
    if (!a.resourceRequest) {
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      return {
        verb: NON_RESOURCE_METHODS.has(method) ? method : OTHER,
        dry_run: dryRun,
        group: '',
        version: '',
        resource: '',
        subresource: this.nonResourcePath(req.path, code),
        scope: '',
        component: 'apiserver',
      };
    }
    const type = this.type(a.apiGroup, a.apiVersion, a.resource);
    let verb = VERB_OF_ATTRIBUTE[a.verb] ?? OTHER;
    if (verb === 'PATCH' && req.contentType.split(';')[0]!.trim().toLowerCase() === 'application/apply-patch+yaml') verb = 'APPLY';
    const scope = a.name !== '' || a.verb === 'create' ? 'resource' : a.namespace !== '' ? 'namespace' : 'cluster';
    if (!type) {
      return { verb, dry_run: dryRun, group: '', version: '', resource: OTHER, subresource: '', scope, component: 'apiserver' };
    }
    const subresource = a.subresource === '' ? '' : type.subresources.has(a.subresource) ? a.subresource : OTHER;
    return { verb, dry_run: dryRun, group: a.apiGroup, version: a.apiVersion, resource: a.resource, subresource, scope, component: 'apiserver' };
  }

  /** The kind of a served type, or undefined. */
  kind(group: string, version: string, resource: string): string | undefined {
    return this.type(group, version, resource)?.kind;
  }

  private type(group: string, version: string, resource: string): ServedType | undefined {
    return this.load().get(`${group}/${version}/${resource}`);
  }

  private load(): Map<string, ServedType> {
    if (!this.types) {
      const types = new Map<string, ServedType>();
      const gvs = new Set<string>();
      for (const r of this.api().resources()) {
        const d = r.definition;
        types.set(`${d.group}/${d.version}/${d.plural}`, { kind: d.kind, subresources: new Set(r.subresources.map((s) => s.name)) });
        gvs.add(d.group === '' ? `/api/${d.version}` : `/apis/${d.group}/${d.version}`);
        if (d.group !== '') gvs.add(`/apis/${d.group}`);
      }
      this.types = types;
      this.groupVersions = gvs;
    }
    return this.types;
  }

  private nonResourcePath(path: string, code: number): string {
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (FIXED_PATHS.has(p)) return p;
    // A path with parts from the client counts as itself only when it is one of the server's
    // (bogus ones answer 404, or 401/403 before routing, and fold into `other`).
    if (code >= 400 && code !== 500) return OTHER;
    this.load();
    if (this.groupVersions!.has(p)) return p;
    if (p.startsWith('/openapi/v3/') && this.groupVersions!.has(p.slice('/openapi/v3'.length))) return p;
    // A health check answers 200 or 500; an unknown one 404.
    if (/^\/(healthz|livez|readyz)\/[a-z0-9][a-z0-9-]{0,62}$/.test(p)) return p;
    return OTHER;
  }
}

/** kube-apiserver's dry_run label: empty, the sorted distinct values when they are all `All`, or `invalid`. */
function cleanDryRun(query: string): string {
  if (!query.includes('dryRun')) return '';
  const values = new URLSearchParams(query).getAll('dryRun');
  if (values.length === 0) return '';
  return values.every((v) => v === 'All') ? 'All' : 'invalid';
}
