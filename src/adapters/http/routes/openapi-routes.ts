import type Router from '@koa/router';
import type { Context } from 'koa';
import { notAcceptable } from '../../../domain/errors/api-error.js';
import { acceptsJson } from '../negotiation/discovery-format.js';
import { parseAccept } from '../negotiation/media-type.js';
import type { OpenApiDocuments, RenderedDocument } from '../openapi/openapi-documents.js';
import { pathNotFound } from '../request/resource-path.js';
import { notModified, requireGet, sendJson } from './respond.js';

/**
 * `/openapi/v3`, `/openapi/v3/apis/{group}/{version}` (and `/openapi/v3/api/{version}`), and
 * `/openapi/v2` in JSON or in the protobuf client-go's OpenAPISchema() asks for (kubectl up to
 * 1.26 validates, edits, diffs and explains with it), each with its own ETag.
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
    if (negotiateOpenApiV2(ctx.get('Accept')) === 'json') return sendDocument(ctx, docs.v2Document(), false);
    const pb = docs.v2Protobuf();
    ctx.set('Cache-Control', 'no-cache, private');
    ctx.set('Vary', 'Accept');
    if (notModified(ctx, pb.hash)) return;
    ctx.status = 200;
    // kube-openapi answers in the dotted spelling: '@' is no token character, and client-go parses
    // the Content-Type with Go's mime.ParseMediaType (kubectl 1.20 fails with an InternalError).
    ctx.set('Content-Type', OPENAPI_V2_PROTOBUF_DOTTED);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.body = pb.bytes;
  });
}

/** What client-go's OpenAPISchema() asks for, and the Content-Type of the answer. */
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The same in the spelling that is a valid media type: what the answer carries. */
const OPENAPI_V2_PROTOBUF_DOTTED = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * `/openapi/v2` answers JSON or gnostic protobuf, as kube-apiserver's OpenAPI handler does: the
 * first acceptable clause wins (JSON for wildcards and no Accept); nothing acceptable is 406.
 */
function negotiateOpenApiV2(accept: string | undefined): 'json' | 'protobuf' {
  const clauses = parseAccept(accept);
  if (clauses.length === 0) return 'json';
  for (const m of clauses) {
    if (m.type === OPENAPI_V2_PROTOBUF || m.type === OPENAPI_V2_PROTOBUF_DOTTED) return 'protobuf';
    if ((m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*') && !m.params.as) return 'json';
  }
  throw notAcceptable(`only the following media types are accepted: application/json, ${OPENAPI_V2_PROTOBUF}`);
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
