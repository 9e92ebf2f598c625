import { createHash, timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'inversify';
import type { UserInfo } from '../../domain/resource/strategy.js';
import type { AuthenticationRequest, AuthenticationResult, Authenticator } from '../../ports/authenticator.port.js';

/** One accepted token and who presents it. */
export interface BearerTokenEntry {
  token: string;
  /** Default: `admin` in `system:masters`. */
  user?: UserInfo;
}

/**
 * The accepted tokens (the `--token` flags): `token` (with `user`) for one, `tokens` for
 * several; both may be given.
 */
export interface BearerTokenOptions {
  token?: string;
  user?: UserInfo;
  tokens?: readonly BearerTokenEntry[];
}

export const BEARER_TOKEN_OPTIONS = Symbol.for('apiserver-kit.BearerTokenOptions');

const DEFAULT_USER: UserInfo = { username: 'admin', groups: ['system:masters'] };

/**
 * Accepts `Authorization: Bearer <token>` with static tokens, like Kubernetes' static token
 * file. Every authenticated user is also in `system:authenticated`. A bearer token it does not
 * know is an error (401 even where anonymous requests are allowed), as in Kubernetes.
 */
@injectable()
export class BearerTokenAuthenticator implements Authenticator {
  private readonly entries: Array<{ digest: Buffer; user: UserInfo }>;

  constructor(@inject(BEARER_TOKEN_OPTIONS) options: BearerTokenOptions) {
    const all: BearerTokenEntry[] = [...(options?.tokens ?? [])];
    if (options?.token !== undefined) all.unshift({ token: options.token, user: options.user });
    if (all.length === 0) throw new Error('a bearer token authenticator needs at least one token');
    this.entries = all.map((e) => {
      if (typeof e.token !== 'string' || e.token.trim() === '' || /\s/.test(e.token)) {
        throw new Error('a bearer token must not be empty nor contain white space');
      }
      const user = structuredClone(e.user ?? DEFAULT_USER);
      const groups = new Set(user.groups ?? []);
      groups.add('system:authenticated');
      return { digest: sha256(e.token), user: { ...user, groups: [...groups] } };
    });
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return undefined;
    // Digests have one length, so each comparison is constant-time; every entry is compared.
    const digest = sha256(token);
    let found: UserInfo | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(digest, e.digest) && !found) found = e.user;
    }
    return found ? { user: structuredClone(found) } : { error: 'invalid bearer token' };
  }
}

/** The token of an `Authorization: Bearer ...` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1] : undefined;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
