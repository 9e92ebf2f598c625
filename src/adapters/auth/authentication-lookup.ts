import type { AuthenticationRequest, AuthenticationResult, Authenticator } from '../../ports/authenticator.port.js';
import { CertificateAuthority } from './certificate-authority.js';
import { ClientCertificateAuthenticator } from './client-certificate-authenticator.js';
import type { MainServerClient } from './delegation/main-server-client.js';
import { RequestHeaderAuthenticator } from './request-header-authenticator.js';
import { statusMessage } from './token-review-authenticator.js';

export const AUTHENTICATION_CONFIG_MAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };
const PATH = `/api/v1/namespaces/${AUTHENTICATION_CONFIG_MAP.namespace}/configmaps/${AUTHENTICATION_CONFIG_MAP.name}`;

export interface AuthenticationLookupOptions {
  /** Read the ConfigMap's client CA (false when `--client-ca-file` is given locally). */
  clientCa: boolean;
  /** Read the ConfigMap's front-proxy settings (false when `--requestheader-client-ca-file` is given). */
  requestHeader: boolean;
  /** How often the ConfigMap is read again (default 10 s). */
  refreshMs?: number;
  /** How long the main server may take to answer (default 10 s). */
  timeoutMs?: number;
  /** Told about a read that failed or a ConfigMap that could not be used (the last good one stays). */
  onProblem?: (message: string) => void;
  /** Told when what the ConfigMap says changed. */
  onChange?: () => void;
}

/** What the ConfigMap said, parsed. */
interface Settings {
  clientCa?: CertificateAuthority;
  requestHeader?: RequestHeaderAuthenticator;
  /** The CA PEMs the TLS server names when asking for client certificates. */
  pems: string[];
}

/**
 * The in-cluster lookup of k8s.io/apiserver: the `kube-system/extension-apiserver-authentication`
 * ConfigMap kube-apiserver writes tells which client CA (`client-ca-file`) and which front proxy
 * (`requestheader-client-ca-file`, `requestheader-allowed-names`, the `requestheader-*-headers`
 * lists, JSON arrays in strings) to trust. It is read on start (a ConfigMap that does not exist
 * means nothing to trust; any other failure fails the start unless tolerated) and again every
 * `refreshMs`; a change takes effect for the next request, and the TLS server is told (the CAs
 * it names to clients). A read that fails, or a ConfigMap that does not parse, keeps the last
 * good settings.
 *
 * {@link requestHeaderAuthenticator} and {@link clientCertificateAuthenticator} are the two
 * authenticators to put in the chain, in the places of the local ones.
 */
export class AuthenticationLookup {
  private settings: Settings = { pems: [] };
  private text: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  /** How many times the ConfigMap was read (tests). */
  reads = 0;
  /** Called after each change of what the ConfigMap says (the TLS server listens). */
  readonly changeListeners: Array<() => void> = [];

  constructor(
    private readonly client: MainServerClient,
    private readonly options: AuthenticationLookupOptions,
  ) {
    this.refreshMs = options.refreshMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  readonly requestHeaderAuthenticator: Authenticator = {
    authenticate: async (request: AuthenticationRequest): Promise<AuthenticationResult> =>
      this.settings.requestHeader ? this.settings.requestHeader.authenticate(request) : undefined,
  };

  readonly clientCertificateAuthenticator: Authenticator = {
    authenticate: async (request: AuthenticationRequest): Promise<AuthenticationResult> => {
      const ca = this.settings.clientCa;
      return ca ? this.clientCertificates(ca).authenticate(request) : undefined;
    },
  };

  private certAuthenticator: { ca: CertificateAuthority; authenticator: ClientCertificateAuthenticator } | undefined;
  private clientCertificates(ca: CertificateAuthority): ClientCertificateAuthenticator {
    if (this.certAuthenticator?.ca !== ca) this.certAuthenticator = { ca, authenticator: new ClientCertificateAuthenticator(ca) };
    return this.certAuthenticator.authenticator;
  }

  /** The CA certificates (PEM) the ConfigMap names now. */
  get caPems(): string[] {
    return [...this.settings.pems];
  }

  /** Reads the ConfigMap once (failing when it cannot be read), then every refresh period. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.options.onProblem?.(`${AUTHENTICATION_CONFIG_MAP.namespace}/${AUTHENTICATION_CONFIG_MAP.name}: ${(err as Error).message}; keeping what it said before`));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.client.close();
  }

  /** Reads the ConfigMap now; rejects when it cannot be read or used (the settings stay as they were). */
  async refresh(): Promise<void> {
    this.reads++;
    const answer = await this.client.request('GET', PATH, undefined, this.timeoutMs);
    let data: Record<string, string>;
    if (answer.status === 404) {
      if (this.text === undefined) {
        this.options.onProblem?.(
          `${AUTHENTICATION_CONFIG_MAP.namespace}/${AUTHENTICATION_CONFIG_MAP.name} does not exist: no client CA and no front proxy are trusted from the cluster`,
        );
      }
      data = {};
    } else if (answer.status >= 200 && answer.status <= 299) {
      const body = answer.body as Record<string, unknown> | undefined;
      if (!body || body.kind !== 'ConfigMap') throw new Error('the answer is not a ConfigMap');
      const raw = (body.data ?? {}) as Record<string, unknown>;
      data = {};
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') data[k] = v;
    } else {
      throw new Error(
        `reading it answered HTTP ${answer.status}${statusMessage(answer.body)}` +
          (answer.status === 403 ? ' (the server\'s service account needs the RoleBinding to extension-apiserver-authentication-reader in kube-system; see `manifests`)' : ''),
      );
    }
    const relevant = JSON.stringify(
      Object.keys(data)
        .filter((k) => (this.options.clientCa && k === 'client-ca-file') || (this.options.requestHeader && k.startsWith('requestheader-')))
        .sort()
        .map((k) => [k, data[k]]),
    );
    if (relevant === this.text) return;
    this.settings = this.parse(data);
    const first = this.text === undefined;
    this.text = relevant;
    if (!first) {
      this.options.onChange?.();
      for (const listener of this.changeListeners) listener();
    }
  }

  private parse(data: Record<string, string>): Settings {
    const out: Settings = { pems: [] };
    const source = `${AUTHENTICATION_CONFIG_MAP.namespace}/${AUTHENTICATION_CONFIG_MAP.name}`;
    if (this.options.clientCa && data['client-ca-file']?.trim()) {
      out.clientCa = CertificateAuthority.fromPem(data['client-ca-file'], `${source} client-ca-file`);
      out.pems.push(...out.clientCa.pem);
    }
    if (this.options.requestHeader && data['requestheader-client-ca-file']?.trim()) {
      const ca = CertificateAuthority.fromPem(data['requestheader-client-ca-file'], `${source} requestheader-client-ca-file`);
      out.pems.push(...ca.pem);
      const list = (key: string): string[] | undefined => {
        const text = data[key];
        if (text === undefined || text.trim() === '') return undefined;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new Error(`${source} ${key} is not a JSON list of strings`);
        }
        if (parsed === null) return undefined;
        if (!Array.isArray(parsed) || parsed.some((s) => typeof s !== 'string')) throw new Error(`${source} ${key} is not a JSON list of strings`);
        return parsed as string[];
      };
      out.requestHeader = new RequestHeaderAuthenticator({
        ca,
        allowedNames: list('requestheader-allowed-names') ?? [],
        usernameHeaders: list('requestheader-username-headers'),
        uidHeaders: list('requestheader-uid-headers'),
        groupHeaders: list('requestheader-group-headers'),
        extraHeaderPrefixes: list('requestheader-extra-headers-prefix'),
      });
    }
    return out;
  }
}
