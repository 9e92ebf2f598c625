import type { Context } from 'koa';
import { methodNotAllowed } from '../../../domain/errors/api-error.js';

/** Sends a JSON body with an exact Content-Type (Koa would add a charset to some). */
export function sendJson(ctx: Context, body: unknown, contentType = 'application/json', code = 200): void {
  sendText(ctx, typeof body === 'string' ? body : JSON.stringify(body), contentType, code);
}

export function sendText(ctx: Context, text: string, contentType: string, code = 200): void {
  ctx.status = code;
  ctx.set('Content-Type', contentType);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = text;
}

/** Answers 304 when the client holds this ETag already; otherwise sets it. Returns true when answered. */
export function notModified(ctx: Context, etag: string): boolean {
  const quoted = `"${etag}"`;
  ctx.set('ETag', quoted);
  const match = ctx.get('If-None-Match');
  if (match !== '' && match.split(',').some((t) => t.trim() === quoted || t.trim() === `W/${quoted}`)) {
    ctx.status = 304;
    ctx.body = null;
    return true;
  }
  return false;
}

/** Read-only paths answer 405 to other methods. */
export function requireGet(ctx: Context): void {
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}
