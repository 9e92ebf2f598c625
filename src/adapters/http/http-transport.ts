import type { IncomingMessage, ServerResponse } from 'node:http';
import Router from '@koa/router';
import { inject, injectable, optional } from 'inversify';
import Koa, { type Context, type Next } from 'koa';
import type { UserInfo } from '../../domain/resource/strategy.js';
import type { Authenticator } from '../../ports/authenticator.port.js';
import type { Authorizer } from '../../ports/authorizer.port.js';
import { authenticationFilter, authorizationFilter } from './access/access-filters.js';
import { RESOURCE_API, type ResourceApi } from '../../ports/resource-api.port.js';
import { OpenApiDocuments } from './openapi/openapi-documents.js';
import type { OpenApiInfo } from './openapi/openapi-v3-document.js';
import { DEFAULT_MAX_BODY_BYTES } from './request/body-reader.js';
import { parseResourcePath, pathNotFound } from './request/resource-path.js';
import { ResourceRequestHandler } from './resources/resource-request-handler.js';
import { ServedIndex } from './resources/served-index.js';
import { errorResponse } from './response/error-status.js';
import { methodNotAllowed } from '../../domain/errors/api-error.js';
import { describeFailure, type FailedRequest } from './response/failure-report.js';
import { registerDiscoveryRoutes } from './routes/discovery-routes.js';
import { registerOpenApiRoutes } from './routes/openapi-routes.js';
import { sendJson } from './routes/respond.js';
import { PUBLIC_PATHS, registerSystemRoutes } from './routes/system-routes.js';
import { versionInfo, type VersionInfo } from './system/version-info.js';
import { WatchStreamer } from './watch/watch-streamer.js';
import type { MetricsExposition, RequestObserver } from '../../ports/request-observer.port.js';
import { authenticatedFilter, maxInflightFilter, observationFilter, type InflightLimits } from './observe/request-observation.js';

export interface HttpTransportOptions {
  /**
   * Establishes the user of every request (401 unless it does); requests to health endpoints
   * and `/version` that it does not accept go on as anonymous. None: no authentication.
   */
  authenticator?: Authenticator;
  /**
   * Decides every request after authentication, from its attributes as Kubernetes builds
   * them (403 Forbidden unless allowed). None: everything is allowed.
   */
  authorizer?: Authorizer;
  /** Largest request body accepted; larger ones answer 413. Default 3 MiB. */
  maxBodyBytes?: number;
  /** What `/version` says; unset fields get defaults. */
  version?: Partial<VersionInfo>;
  /** `info` of the OpenAPI documents. */
  openapi?: Partial<OpenApiInfo>;
  /**
   * Told once about every request answered with a 5xx (and every failure after an answer
   * began): the client's Status says nothing about the cause, so this is where it can be seen.
   * `report` is the text for a log: one line naming the cause chain for ApiErrors (e.g. a
   * storage failure), the stack for anything else. Default: `report` written to stderr.
   */
  onInternalError?: (err: unknown, request: FailedRequest, report: string) => void;
  /** Told about every request when it arrives and when it ends (metrics, request log, audit). */
  observers?: readonly RequestObserver[];
  /** Served at `/metrics` (a non-resource path: authenticated and authorized as any other). */
  metrics?: MetricsExposition;
  /** `--max-requests-inflight` and `--max-mutating-requests-inflight`; 0 or unset: no limit. */
  inflightLimits?: Partial<InflightLimits>;
}

export const HTTP_TRANSPORT = Symbol.for('apiserver-kit.HttpTransport');
export const HTTP_TRANSPORT_OPTIONS = Symbol.for('apiserver-kit.HttpTransportOptions');

/** A Node request listener, for `http.createServer` or `https.createServer`. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface State {
  user?: UserInfo;
}

/**
 * The Kubernetes wire protocol over HTTP (Koa), driving the domain through the ResourceApi
 * port only: resource verbs, discovery, OpenAPI, health, `/version`, watch streaming, content
 * negotiation, and errors as Status bodies. It does not bind a socket: the composition root
 * passes `requestListener` to an http or https server, and calls `closeWatches()` on shutdown
 * before closing that server (open watches would otherwise keep it from closing).
 */
@injectable()
export class HttpTransport {
  /** Serves one request; hand it to `http(s).createServer`. */
  readonly requestListener: RequestListener;
  private readonly watches = new WatchStreamer();
  private shuttingDown = false;

  constructor(
    @inject(RESOURCE_API) api: ResourceApi,
    @inject(HTTP_TRANSPORT_OPTIONS) @optional() options: HttpTransportOptions = {},
  ) {
    const opts = options ?? {};
    const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new Error('maxBodyBytes must be a positive integer');
    const hook = opts.onInternalError ?? defaultInternalErrorLog;
    const onInternalError = (err: unknown, request: FailedRequest): void => hook(err, request, describeFailure(err, request));
    const served = new ServedIndex(api);
    const docs = new OpenApiDocuments(() => served.groups(), {
      title: opts.openapi?.title ?? 'Kubernetes',
      version: opts.openapi?.version ?? 'unversioned',
      description: opts.openapi?.description,
    });
    const resources = new ResourceRequestHandler(api, served, this.watches, maxBodyBytes);

    const router = new Router();
    registerSystemRoutes(router, {
      api,
      served,
      version: versionInfo(opts.version),
      shuttingDown: () => this.shuttingDown,
    });
    registerDiscoveryRoutes(router, served);
    registerOpenApiRoutes(router, docs);
    const metrics = opts.metrics;
    if (metrics) {
      router.all('/metrics', async (ctx) => {
        if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw methodNotAllowed('the server does not allow this method on the requested resource');
        ctx.body = await metrics.render();
        ctx.status = 200;
        ctx.set('Content-Type', metrics.contentType);
      });
    }
    const observers = opts.observers ?? [];
    const limits = { readOnly: opts.inflightLimits?.readOnly ?? 0, mutating: opts.inflightLimits?.mutating ?? 0 };

    const app = new Koa<State>();
    app.on('error', (err: unknown, ctx?: Context) => onInternalError(err, { method: ctx?.method ?? '', path: ctx?.path ?? '' }));
    app.use(observationFilter(observers));
    app.use(errorsAsStatus(onInternalError));
    if (opts.authenticator) app.use(authenticationFilter(opts.authenticator, PUBLIC_PATHS));
    if (observers.length > 0) app.use(authenticatedFilter());
    if (limits.readOnly > 0 || limits.mutating > 0) app.use(maxInflightFilter(limits, observers));
    if (opts.authorizer) app.use(authorizationFilter(opts.authorizer));
    // Resource paths first: they are most of the traffic, and no other route lies below them.
    app.use(async (ctx: Context, next: Next) => {
      const addr = parseResourcePath(ctx.path);
      if (!addr) return next();
      await resources.handle(ctx, addr, (ctx.state as State).user);
    });
    app.use(router.routes());
    app.use(() => {
      throw pathNotFound();
    });
    const callback = app.callback();
    this.requestListener = (req, res) => {
      void callback(req, res);
    };
  }

  /** Watches being served now. */
  get openWatches(): number {
    return this.watches.size;
  }

  /**
   * Shutdown begins: `/readyz` fails from now on (load balancers stop sending new clients),
   * while every request, watches included, is still served.
   */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * Ends every open watch and refuses new ones; `/readyz` fails from now on. Resolves when all
   * watch responses have ended, so the server can then close.
   */
  async closeWatches(): Promise<void> {
    this.shuttingDown = true;
    await this.watches.closeAll();
  }
}

/** Every failure leaves as a Status with its code; unexpected ones as a bare 500. Each 5xx is reported. */
function errorsAsStatus(onInternalError: (err: unknown, request: FailedRequest) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const response = errorResponse(err);
      if (response.unexpected) (ctx.state as { panicked?: boolean }).panicked = true;
      if (response.code >= 500) onInternalError(err, { method: ctx.method, path: ctx.path });
      if (ctx.respond === false || ctx.res.headersSent) {
        // A stream had started: there is no status line left to change.
        if (!ctx.res.writableEnded) ctx.res.destroy();
        return;
      }
      ctx.remove('Warning');
      ctx.remove('ETag');
      for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value);
      sendJson(ctx, response.status, 'application/json', response.code);
    }
  };
}

function defaultInternalErrorLog(_err: unknown, _request: FailedRequest, report: string): void {
  console.error(`apiserver-kit: ${report}`);
}
