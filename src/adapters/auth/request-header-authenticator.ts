import type { UserInfo } from '../../domain/resource/strategy.js';
import type { AuthenticationRequest, AuthenticationResult, Authenticator } from '../../ports/authenticator.port.js';
import { CertificateAuthority } from './certificate-authority.js';
import { VerifiedChains } from './client-certificate-authenticator.js';

/** The front-proxy settings, with kube-apiserver's flag names. */
export interface RequestHeaderOptions {
  /** `--requestheader-client-ca-file`: the CA the proxy's client certificate is verified against. */
  ca: CertificateAuthority;
  /** `--requestheader-allowed-names`: common names the proxy's certificate may have; empty: any. */
  allowedNames?: readonly string[];
  /** `--requestheader-username-headers`, default `X-Remote-User`. The first non-empty value wins. */
  usernameHeaders?: readonly string[];
  /** `--requestheader-uid-headers`, default none (Kubernetes 1.32 adds `X-Remote-Uid`). */
  uidHeaders?: readonly string[];
  /** `--requestheader-group-headers`, default `X-Remote-Group`. Every value of each is a group. */
  groupHeaders?: readonly string[];
  /** `--requestheader-extra-headers-prefix`, default `X-Remote-Extra-`. */
  extraHeaderPrefixes?: readonly string[];
}

export const DEFAULT_USERNAME_HEADERS = ['X-Remote-User'];
export const DEFAULT_GROUP_HEADERS = ['X-Remote-Group'];
export const DEFAULT_EXTRA_HEADER_PREFIXES = ['X-Remote-Extra-'];

/**
 * The front proxy (kube-apiserver's aggregator, or any authenticating proxy): the identity in
 * the `X-Remote-*` headers is taken only from a connection whose client certificate verifies
 * against the front-proxy CA and, when names are listed, has one of them as common name. A
 * request without a client certificate, or without a user name header, says nothing (its
 * headers are ignored and the next authenticator is asked); a certificate that does not
 * verify, or whose name is not allowed, is an error. So the headers never name a user on a
 * connection the proxy did not make.
 */
export class RequestHeaderAuthenticator implements Authenticator {
  private readonly chains: VerifiedChains;
  private readonly allowed: ReadonlySet<string>;
  private readonly usernameHeaders: string[];
  private readonly uidHeaders: string[];
  private readonly groupHeaders: string[];
  private readonly extraPrefixes: string[];

  constructor(options: RequestHeaderOptions) {
    this.chains = new VerifiedChains(options.ca);
    this.allowed = new Set((options.allowedNames ?? []).filter((n) => n !== ''));
    this.usernameHeaders = headerNames(options.usernameHeaders ?? DEFAULT_USERNAME_HEADERS);
    if (this.usernameHeaders.length === 0) throw new Error('the front proxy needs at least one user name header');
    this.uidHeaders = headerNames(options.uidHeaders ?? []);
    this.groupHeaders = headerNames(options.groupHeaders ?? DEFAULT_GROUP_HEADERS);
    this.extraPrefixes = headerNames(options.extraHeaderPrefixes ?? DEFAULT_EXTRA_HEADER_PREFIXES);
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const chain = request.clientCertificates;
    if (!chain || chain.length === 0) return undefined;
    const verified = this.chains.verify(chain);
    if (!verified.ok) return { error: `front proxy: ${verified.error}` };
    const cn = verified.subject.commonName;
    if (this.allowed.size > 0 && !this.allowed.has(cn)) {
      return { error: `front proxy: x509: subject with cn=${cn} is not in the allowed list` };
    }
    const headers = request.headers;
    const username = firstValue(headers, this.usernameHeaders);
    if (username === undefined) return undefined;
    const user: UserInfo = { username, groups: allValues(headers, this.groupHeaders) };
    const uid = firstValue(headers, this.uidHeaders);
    if (uid !== undefined) user.uid = uid;
    const extra = extraValues(headers, this.extraPrefixes);
    if (extra) user.extra = extra;
    return { user };
  }
}

function headerNames(names: readonly string[]): string[] {
  return names.map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
}

function valuesOf(headers: AuthenticationRequest['headers'], name: string): string[] {
  const v = headers[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function firstValue(headers: AuthenticationRequest['headers'], names: readonly string[]): string | undefined {
  for (const name of names) {
    const first = valuesOf(headers, name)[0];
    if (first !== undefined && first !== '') return first;
  }
  return undefined;
}

function allValues(headers: AuthenticationRequest['headers'], names: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of names) for (const v of valuesOf(headers, name)) if (v !== '') out.push(v);
  return out;
}

/** `X-Remote-Extra-<key>` headers: keys percent-decoded, then lower-cased. */
function extraValues(headers: AuthenticationRequest['headers'], prefixes: readonly string[]): Record<string, string[]> | undefined {
  let extra: Record<string, string[]> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    for (const prefix of prefixes) {
      if (!name.startsWith(prefix) || name.length === prefix.length || value === undefined) continue;
      const key = unescapeKey(name.slice(prefix.length)).toLowerCase();
      extra ??= Object.create(null) as Record<string, string[]>;
      (extra[key] ??= []).push(...(Array.isArray(value) ? value : [value]));
    }
  }
  return extra === undefined ? undefined : { ...extra };
}

function unescapeKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}
