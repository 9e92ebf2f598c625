import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { isApiError, methodNotAllowed } from '../../../domain/errors/api-error.js';
import type { UserInfo } from '../../../domain/resource/strategy.js';
import type {
  RequestContext,
  ResourceApi,
  ResourceEndpoint,
  ServedResource,
  SubresourceEndpoint,
  WatchStream,
} from '../../../ports/resource-api.port.js';
import { negotiateOutput, contentTypeOf, type OutputFormat } from '../negotiation/output-format.js';
import { decodeObjectBody, decodeOptionalBody, decodePatchBody } from '../request/body-decoder.js';
import { readBody } from '../request/body-reader.js';
import {
  isWatchRequest,
  parseDeleteOptions,
  parseGetOptions,
  parseListOptions,
  parsePatchOptions,
  parseTableOptions,
  parseWatchOptions,
  parseWriteOptions,
  pinToName,
  QueryParams,
} from '../request/query-options.js';
import { pathNotFound, type ResourceAddress } from '../request/resource-path.js';
import { encodeBody, encodeJsonList } from '../response/body-encoding.js';
import { isStatus, transformOutput, type TransformContext } from '../response/output-transform.js';
import { warningHeaderValues } from '../response/warning-header.js';
import { errorEventStream, type WatchStreamer } from '../watch/watch-streamer.js';
import type { ServedIndex } from './served-index.js';
import { recordRequestBody, watchFrameHook } from '../observe/request-observation.js';

/**
 * The request context the domain gets. Its `signal` tells the domain that the client went
 * away, so that long work (a watch) can stop; it is made when something asks for it: most
 * requests never do, and an AbortController and a `close` listener per request are a
 * measurable share of a short request.
 */
class HttpRequestContext implements RequestContext {
  // Private fields: handlers get this context, and see only what RequestContext says.
  readonly #res: ServerResponse;
  #controller: AbortController | undefined;

  constructor(
    res: ServerResponse,
    readonly user: UserInfo | undefined,
    readonly userAgent: string | undefined,
  ) {
    this.#res = res;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = (this.#controller = new AbortController());
      const res = this.#res;
      if (res.destroyed && !res.writableFinished) controller.abort();
      else {
        res.once('close', () => {
          if (!res.writableFinished) controller.abort();
        });
      }
    }
    return this.#controller.signal;
  }

  /** Aborts the signal (when it was made) because the client went away. */
  abort(): void {
    this.#controller?.abort();
  }
}

/** One resource request, resolved to its endpoint. */
interface ResourceRequest {
  ctx: Context;
  addr: ResourceAddress;
  endpoint: ResourceEndpoint;
  served: ServedResource | undefined;
  q: QueryParams;
  rctx: HttpRequestContext;
  /** The namespace the domain gets: the path's, never one for cluster-scoped types. */
  namespace: string | undefined;
  /** How objects are rendered into Tables, parsed before anything is done. */
  tc: TransformContext;
}

/**
 * Serves `/apis/{group}/{version}/...` (and `/api/{version}/...`) resource requests: maps the
 * method and path to a verb of the ResourceApi, parses options, negotiates the response form
 * before anything is changed, and writes the answer with the code Kubernetes uses.
 */
export class ResourceRequestHandler {
  constructor(
    private readonly api: ResourceApi,
    private readonly served: ServedIndex,
    private readonly watches: WatchStreamer,
    private readonly maxBodyBytes: number,
  ) {}

  async handle(ctx: Context, addr: ResourceAddress, user: UserInfo | undefined): Promise<void> {
    const endpoint = this.api.endpoint(addr.group, addr.version, addr.plural);
    if (!endpoint) throw pathNotFound();
    const def = endpoint.definition;
    // Cluster-scoped types have no namespaced paths; namespaced items need their namespace.
    if (!def.namespaced && addr.namespace !== undefined) throw pathNotFound();
    if (def.namespaced && addr.name !== undefined && addr.namespace === undefined) throw pathNotFound();

    // Every request to a deprecated version says so, as Kubernetes does (kubectl prints it).
    if (def.deprecationWarning) for (const w of warningHeaderValues([def.deprecationWarning])) ctx.append('Warning', w);
    const userAgent = ctx.get('User-Agent');
    const q = QueryParams.fromQueryString(ctx.querystring);
    const req: ResourceRequest = {
      ctx,
      addr,
      endpoint,
      served: this.served.resource(addr.group, addr.version, addr.plural),
      q,
      rctx: new HttpRequestContext(ctx.res, user, userAgent === '' ? undefined : userAgent),
      namespace: def.namespaced ? addr.namespace : undefined,
      tc: { endpoint, tableOptions: parseTableOptions(q) },
    };
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;

    if (addr.watch) {
      // The legacy watch paths serve watches only, whatever the query says.
      if (method !== 'GET') throw notAllowed();
      return this.watch(req, addr.name);
    }
    if (addr.subresource !== undefined) return this.subresource(req, method);
    if (addr.name === undefined) {
      if (method === 'GET') return isWatchRequest(req.q) ? this.watch(req, undefined) : this.list(req);
      // Across all namespaces only reads are served, as in Kubernetes.
      if (def.namespaced && addr.namespace === undefined) throw notAllowed();
      if (method === 'POST') return this.create(req);
      if (method === 'DELETE') return this.deleteCollection(req);
      throw notAllowed();
    }
    switch (method) {
      case 'GET':
        return isWatchRequest(req.q) ? this.watch(req, addr.name) : this.get(req, addr.name);
      case 'PUT':
        return this.update(req, addr.name);
      case 'PATCH':
        return this.patch(req, addr.name);
      case 'DELETE':
        return this.delete(req, addr.name);
      default:
        throw notAllowed();
    }
  }

  // ------------------------------------------------------------------ verbs

  private async get(r: ResourceRequest, name: string): Promise<void> {
    requireVerb(r, 'get');
    const format = negotiate(r, false);
    const opts = parseGetOptions(r.q);
    const obj = await r.endpoint.get(r.rctx, r.namespace, name, opts);
    send(r, 200, obj, format);
  }

  private async list(r: ResourceRequest): Promise<void> {
    requireVerb(r, 'list');
    const format = negotiate(r, false);
    const opts = parseListOptions(r.q);
    if (format.kind === 'object' && format.encoding === 'json' && r.endpoint.listJson) {
      // Plain JSON: the items' stored JSON goes out as it is, without parsing them.
      const { list, items } = await r.endpoint.listJson(r.rctx, r.namespace, opts);
      r.ctx.status = 200;
      r.ctx.set('Content-Type', contentTypeOf(format));
      r.ctx.body = encodeJsonList(list, items);
      return;
    }
    const list = await r.endpoint.list(r.rctx, r.namespace, opts);
    send(r, 200, list, format);
  }

  private async watch(r: ResourceRequest, name: string | undefined): Promise<void> {
    requireVerb(r, 'watch');
    const format = negotiate(r, true);
    let opts = parseWatchOptions(r.q);
    if (name !== undefined) opts = pinToName(opts, name);
    let stream: WatchStream;
    try {
      stream = await r.endpoint.watch(r.rctx, r.namespace, opts);
    } catch (err) {
      // A resourceVersion too old to watch from: kube-apiserver answers 200 and one ERROR event
      // with the 410 Status, then ends the stream; clients written for it wait for that event.
      if (!isApiError(err) || err.code !== 410) throw err;
      stream = errorEventStream(err);
    }
    r.ctx.respond = false;
    await this.watches.serve(r.ctx.res, stream, format, r.tc, () => r.rctx.abort(), watchFrameHook(r.ctx));
  }

  private async create(r: ResourceRequest): Promise<void> {
    requireVerb(r, 'create');
    const format = negotiate(r, false);
    const opts = parseWriteOptions(r.q);
    const body = decodeObjectBody(r.ctx.get('Content-Type'), await this.body(r));
    const result = await r.endpoint.create(r.rctx, r.namespace, body, opts);
    // Kubernetes answers 201 to every successful create, dry runs included.
    send(r, 201, result.object, format, result.warnings);
  }

  private async update(r: ResourceRequest, name: string): Promise<void> {
    requireVerb(r, 'update');
    const format = negotiate(r, false);
    const opts = parseWriteOptions(r.q);
    const body = decodeObjectBody(r.ctx.get('Content-Type'), await this.body(r));
    const result = await r.endpoint.update(r.rctx, r.namespace, name, body, opts);
    send(r, result.created ? 201 : 200, result.object, format, result.warnings);
  }

  private async patch(r: ResourceRequest, name: string): Promise<void> {
    requireVerb(r, 'patch');
    const format = negotiate(r, false);
    const { type, patch } = decodePatchBody(r.ctx.get('Content-Type'), await this.body(r));
    const opts = parsePatchOptions(r.q);
    const result = await r.endpoint.patch(r.rctx, r.namespace, name, type, patch, opts);
    send(r, result.created ? 201 : 200, result.object, format, result.warnings);
  }

  private async delete(r: ResourceRequest, name: string): Promise<void> {
    requireVerb(r, 'delete');
    const format = negotiate(r, false);
    const body = decodeOptionalBody(r.ctx.get('Content-Type'), await this.body(r));
    const options = parseDeleteOptions(r.q, body);
    const result = await r.endpoint.delete(r.rctx, r.namespace, name, options);
    // 202 only where Kubernetes sends it: the object stays and dependents were not orphaned.
    const code = !result.deleted && options.orphanDependents === false ? 202 : 200;
    send(r, code, result.object, format, result.warnings);
  }

  private async deleteCollection(r: ResourceRequest): Promise<void> {
    requireVerb(r, 'deletecollection');
    const format = negotiate(r, false);
    const listOpts = parseListOptions(r.q);
    const body = decodeOptionalBody(r.ctx.get('Content-Type'), await this.body(r));
    const list = await r.endpoint.deleteCollection(r.rctx, r.namespace, listOpts, parseDeleteOptions(r.q, body));
    send(r, 200, list, format);
  }

  private async subresource(r: ResourceRequest, method: string): Promise<void> {
    const subName = r.addr.subresource as string;
    const name = r.addr.name as string;
    const sub: SubresourceEndpoint | undefined = r.endpoint.subresource(subName);
    if (!sub) throw pathNotFound();
    const verbs = r.served?.subresources.find((s) => s.name === subName)?.verbs;
    const allowed = (verb: string, fn: unknown): void => {
      if (typeof fn !== 'function' || (verbs !== undefined && !verbs.includes(verb))) throw notAllowed();
    };
    const format = negotiate(r, false);
    switch (method) {
      case 'GET': {
        allowed('get', sub.get);
        const obj = await sub.get!(r.rctx, r.namespace, name);
        return send(r, 200, obj, format);
      }
      case 'PUT': {
        allowed('update', sub.update);
        const opts = parseWriteOptions(r.q);
        const body = decodeObjectBody(r.ctx.get('Content-Type'), await this.body(r));
        const result = await sub.update!(r.rctx, r.namespace, name, body, opts);
        return send(r, result.created ? 201 : 200, result.object, format, result.warnings);
      }
      case 'PATCH': {
        allowed('patch', sub.patch);
        const { type, patch } = decodePatchBody(r.ctx.get('Content-Type'), await this.body(r));
        const opts = parsePatchOptions(r.q);
        const result = await sub.patch!(r.rctx, r.namespace, name, type, patch, opts);
        return send(r, result.created ? 201 : 200, result.object, format, result.warnings);
      }
      case 'POST': {
        allowed('create', sub.create);
        const opts = parseWriteOptions(r.q);
        const body = decodeObjectBody(r.ctx.get('Content-Type'), await this.body(r));
        const result = await sub.create!(r.rctx, r.namespace, name, body, opts);
        return send(r, 201, result.object, format, result.warnings);
      }
      default:
        throw notAllowed();
    }
  }

  private body(r: ResourceRequest): Promise<Buffer> {
    return readBody(r.ctx.req, this.maxBodyBytes).then((body) => {
      recordRequestBody(r.ctx, body);
      return body;
    });
  }
}

function notAllowed() {
  return methodNotAllowed('the server does not allow this method on the requested resource');
}

/** Verbs a type does not serve answer 405 before anything is read or changed. */
function requireVerb(r: ResourceRequest, verb: string): void {
  if (r.served && !r.served.verbs.includes(verb)) throw notAllowed();
}

function negotiate(r: ResourceRequest, stream: boolean): OutputFormat {
  return negotiateOutput(r.ctx.get('Accept'), { transforms: true, stream });
}

function send(r: ResourceRequest, code: number, body: unknown, format: OutputFormat, warnings?: readonly string[]): void {
  const out = transformOutput(body, format, r.tc);
  const ctx = r.ctx;
  for (const w of warningHeaderValues(warnings)) ctx.append('Warning', w);
  ctx.status = code;
  ctx.set('Content-Type', isStatus(out) ? contentTypeOf({ kind: 'object', encoding: format.encoding }) : contentTypeOf(format));
  ctx.body = encodeBody(out, format.encoding);
}
