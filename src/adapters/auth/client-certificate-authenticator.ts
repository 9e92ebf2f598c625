import type { AuthenticationRequest, AuthenticationResult, Authenticator } from '../../ports/authenticator.port.js';
import { CertificateAuthority, type ChainVerification } from './certificate-authority.js';

/**
 * Verifies the client certificate chain of a connection once: the transport passes the same
 * array for every request of a connection, so the answer is kept (weakly) by it. The validity
 * period is checked again on every request.
 */
export class VerifiedChains {
  private readonly seen = new WeakMap<readonly Uint8Array[], ChainVerification>();

  constructor(private readonly ca: CertificateAuthority) {}

  verify(chain: readonly Uint8Array[]): ChainVerification {
    const now = new Date();
    let result = this.seen.get(chain);
    if (result === undefined || (result.ok && !stillValid(result.leaf.validTo, now))) {
      result = this.ca.verify(chain, now);
      this.seen.set(chain, result);
    }
    return result;
  }
}

function stillValid(validTo: string, now: Date): boolean {
  return now.getTime() <= Date.parse(validTo);
}

/**
 * Client certificates (kube-apiserver's `--client-ca-file`): a chain that verifies against the
 * CA names the user by its subject's common name, in the groups its organizations name. A
 * certificate without a common name says nothing; one that does not verify is an error.
 */
export class ClientCertificateAuthenticator implements Authenticator {
  private readonly chains: VerifiedChains;

  constructor(ca: CertificateAuthority) {
    this.chains = new VerifiedChains(ca);
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    const chain = request.clientCertificates;
    if (!chain || chain.length === 0) return undefined;
    const verified = this.chains.verify(chain);
    if (!verified.ok) return { error: `client certificate: ${verified.error}` };
    const { commonName, organizations } = verified.subject;
    if (commonName === '') return undefined;
    return { user: { username: commonName, groups: [...organizations] } };
  }
}
