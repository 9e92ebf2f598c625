import type Router from '@koa/router';
import type { Context } from 'koa';
import { notAcceptable } from '../../../domain/errors/api-error.js';
import { acceptsJson } from '../negotiation/discovery-format.js';
import type { OpenApiDocuments, RenderedDocument } from '../openapi/openapi-documents.js';
import { pathNotFound } from '../request/resource-path.js';
import { notModified, requireGet, sendJson } from './respond.js';

/**
 * `/openapi/v3`, `/openapi/v3/apis/{group}/{version}` (and `/openapi/v3/api/{version}`), and
 * `/openapi/v2`. The v2 document is JSON only and answers 404 to a client that does not accept
 * JSON: kubectl asks it in protobuf, and a 404 makes it use v3.
 */
export function registerOpenApiRoutes(router: Router, docs: OpenApiDocuments): void {
  router.all('/openapi/v3', (ctx) => {
    requireGet(ctx);
    requireJson(ctx);
    sendDocument(ctx, docs.v3Index(), false);
  });
  router.all('/openapi/v3/apis/:group/:version', (ctx) => {
    requireGet(ctx);
    requireJson(ctx);
    const doc = docs.groupVersion(ctx.params.group, ctx.params.version);
    if (!doc) throw pathNotFound();
    sendDocument(ctx, doc, true);
  });
  router.all('/openapi/v3/api/:version', (ctx) => {
    requireGet(ctx);
    requireJson(ctx);
    const doc = docs.groupVersion('', ctx.params.version);
    if (!doc) throw pathNotFound();
    sendDocument(ctx, doc, true);
  });
  router.all('/openapi/v2', (ctx) => {
    requireGet(ctx);
    if (!acceptsJson(ctx.get('Accept'))) throw pathNotFound();
    sendDocument(ctx, docs.v2Document(), false);
  });
}

function requireJson(ctx: Context): void {
  if (!acceptsJson(ctx.get('Accept'))) throw notAcceptable('only the following media types are accepted: application/json');
}

function sendDocument(ctx: Context, doc: RenderedDocument, pinned: boolean): void {
  // A URL that names the hash of what it serves never changes: clients may cache it for good.
  if (pinned && ctx.query.hash === doc.hash) ctx.set('Cache-Control', 'public, immutable, max-age=31536000');
  else ctx.set('Cache-Control', 'no-cache, private');
  ctx.set('Vary', 'Accept');
  if (notModified(ctx, doc.hash)) return;
  sendJson(ctx, doc.json);
}
