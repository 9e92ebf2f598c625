import type { TLSSocket } from 'node:tls';
import type { Context, Next } from 'koa';
import { ApiError, unauthorized } from '../../../domain/errors/api-error.js';
import type { UserInfo } from '../../../domain/resource/strategy.js';
import { ANONYMOUS_USER, UNAUTHENTICATED_GROUP, type Authenticator } from '../../../ports/authenticator.port.js';
import type { AuthorizationResult, Authorizer, RequestAttributes } from '../../../ports/authorizer.port.js';
import { requestAttributes } from './request-attributes.js';

export interface AccessState {
  user?: UserInfo;
  /** The authorizer's answer (the audit log records it). */
  authorization?: AuthorizationResult;
}

/** The client certificate chain of each TLS connection, read once per connection. */
const chains = new WeakMap<object, readonly Uint8Array[] | null>();

/**
 * The certificates the client presented on this connection, leaf first, as DER (the chain
 * as the TLS layer assembled it); undefined on plain connections or without a certificate.
 */
export function clientCertificates(ctx: Context): readonly Uint8Array[] | undefined {
  const socket = ctx.req.socket as TLSSocket;
  if (!socket || socket.encrypted !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  let chain = chains.get(socket);
  if (chain === undefined) {
    chain = null;
    const leaf = socket.getPeerCertificate(true);
    if (leaf && leaf.raw) {
      const list: Uint8Array[] = [];
      const seen = new Set<string>();
      for (let c: typeof leaf | undefined = leaf; c && c.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
        seen.add(c.fingerprint256);
        list.push(c.raw);
        if (list.length > 10) break;
      }
      chain = list;
    }
    chains.set(socket, chain);
  }
  return chain ?? undefined;
}

/**
 * Authentication: every request is asked about; health and `/version` (`publicPaths`) are
 * answered to anyone, so a request to them that no authenticator accepts goes on as anonymous.
 * Anything else without a user is a 401 Status.
 */
export function authenticationFilter(authenticator: Authenticator, publicPaths: readonly RegExp[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const result = await authenticator
      .authenticate({ headers: ctx.req.headersDistinct, clientCertificates: clientCertificates(ctx) })
      .catch(() => undefined);
    if (result?.user) (ctx.state as AccessState).user = result.user;
    else if (publicPaths.some((p) => p.test(ctx.path))) {
      (ctx.state as AccessState).user = { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
    } else throw unauthorized();
    await next();
  };
}

/**
 * Authorization: the request's attributes, as Kubernetes builds them, are put to the
 * authorizer before anything of the request is read; unless it allows them, a 403 Status in
 * Kubernetes' words.
 */
export function authorizationFilter(authorizer: Authorizer) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const user = (ctx.state as AccessState).user ?? { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
    const attributes = requestAttributes(user, ctx.method, ctx.path, ctx.querystring);
    const result = await authorizer.authorize(attributes);
    (ctx.state as AccessState).authorization = result;
    if (result.decision !== 'allow') throw forbiddenFor(attributes, result.reason);
    await next();
  };
}

/**
 * The Forbidden error of a refused request, worded as k8s.io/apiserver words it:
 * `widgets.demo.example.com "a" is forbidden: User "bob" cannot get resource "widgets" in API
 * group "demo.example.com" in the namespace "default"` (`at the cluster scope` without a
 * namespace, `resource "widgets/status"` for a subresource, `cannot get path "/metrics"` and
 * `forbidden: ` in front for a non-resource request), and the authorizer's reason after `: `.
 */
export function forbiddenFor(a: RequestAttributes, reason?: string): ApiError {
  let why: string;
  if (!a.resourceRequest) {
    why = `User ${quote(a.user.username)} cannot ${a.verb} path ${quote(a.path)}`;
  } else {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const scope = a.namespace ? `in the namespace ${quote(a.namespace)}` : 'at the cluster scope';
    why = `User ${quote(a.user.username)} cannot ${a.verb} resource ${quote(resource)} in API group ${quote(a.apiGroup)} ${scope}`;
  }
  if (reason) why = `${why}: ${reason}`;
  const qualified = !a.resourceRequest || a.resource === '' ? '' : a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  let message: string;
  if (qualified === '') message = `forbidden: ${why}`;
  else if (a.name === '') message = `${qualified} is forbidden: ${why}`;
  else message = `${qualified} ${quote(a.name)} is forbidden: ${why}`;
  const details: Record<string, string> = {};
  if (a.name) details.name = a.name;
  if (a.resourceRequest && a.apiGroup) details.group = a.apiGroup;
  if (a.resourceRequest && a.resource) details.kind = a.resource;
  return new ApiError('Forbidden', 403, message, details);
}

/** Go's %q for the strings these messages hold. */
function quote(s: string): string {
  return JSON.stringify(s);
}
