import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';

/** The extended key usages a client certificate may carry: client authentication, or any. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';
/** How many intermediates a chain may have. */
const MAX_INTERMEDIATES = 8;

/** The outcome of verifying a client certificate chain. */
export type ChainVerification =
  | { ok: true; leaf: X509Certificate; subject: CertificateSubject }
  | { ok: false; error: string };

/** The parts of a certificate's subject an authenticator reads. */
export interface CertificateSubject {
  commonName: string;
  organizations: string[];
}

/**
 * A bundle of trusted CA certificates (a `--client-ca-file` or a
 * `--requestheader-client-ca-file`), and verification of client certificate chains against
 * it: each certificate signed by the next (intermediates the client sent) up to one of the
 * bundle's certificates, every certificate inside its validity period, intermediates marked as
 * CAs, and the leaf usable for client authentication (no extended key usage, or one naming
 * client authentication or any use), as Go's x509 verification checks for Kubernetes.
 */
export class CertificateAuthority {
  private constructor(
    readonly source: string,
    private readonly roots: readonly X509Certificate[],
  ) {}

  static fromFile(path: string): CertificateAuthority {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`CA file ${path}: ${(err as Error).message}`);
    }
    return CertificateAuthority.fromPem(text, path);
  }

  /** Every `CERTIFICATE` block of `pem`; none, or one that does not parse, is an error. */
  static fromPem(pem: string, source = 'CA bundle'): CertificateAuthority {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error(`${source}: no PEM certificate found`);
    const roots = blocks.map((block, i) => {
      try {
        return new X509Certificate(block);
      } catch (err) {
        throw new Error(`${source}: certificate ${i + 1} does not parse: ${(err as Error).message}`);
      }
    });
    return new CertificateAuthority(source, roots);
  }

  /** The bundle as PEM, for a TLS server's `ca` (the names it asks clients for). */
  get pem(): string[] {
    return this.roots.map((c) => c.toString());
  }

  /** Verifies a chain (leaf first, DER) at time `now`. Never throws. */
  verify(chain: readonly Uint8Array[], now = new Date()): ChainVerification {
    if (chain.length === 0) return { ok: false, error: 'no client certificate' };
    let certs: X509Certificate[];
    try {
      certs = chain.slice(0, MAX_INTERMEDIATES + 1).map((der) => new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)));
    } catch (err) {
      return { ok: false, error: `malformed client certificate: ${(err as Error).message}` };
    }
    const [leaf, ...intermediates] = certs;
    const usage = leaf.keyUsage;
    if (usage !== undefined && usage.length > 0 && !usage.includes(CLIENT_AUTH) && !usage.includes(ANY_USAGE)) {
      return { ok: false, error: 'x509: certificate specifies an incompatible key usage' };
    }
    let current = leaf;
    for (let depth = 0; depth <= MAX_INTERMEDIATES; depth++) {
      const timeError = outsideValidity(current, now);
      if (timeError) return { ok: false, error: timeError };
      const root = this.roots.find((r) => issuedBy(current, r));
      if (root) {
        const rootTime = outsideValidity(root, now);
        if (rootTime) return { ok: false, error: rootTime };
        return { ok: true, leaf, subject: subjectOf(leaf) };
      }
      const next = intermediates.find((c) => c !== current && c.ca && issuedBy(current, c));
      if (!next) break;
      current = next;
    }
    return { ok: false, error: 'x509: certificate signed by unknown authority' };
  }
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function outsideValidity(cert: X509Certificate, now: Date): string | undefined {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (Number.isNaN(from) || Number.isNaN(to)) return 'x509: certificate has an unreadable validity period';
  if (now.getTime() < from) return `x509: certificate is not valid before ${new Date(from).toISOString()}`;
  if (now.getTime() > to) return `x509: certificate has expired (not after ${new Date(to).toISOString()})`;
  return undefined;
}

/** The subject's common name and organizations, read from Node's parsed form. */
export function subjectOf(cert: X509Certificate): CertificateSubject {
  const subject = (cert.toLegacyObject().subject ?? {}) as unknown as Record<string, string | string[] | undefined>;
  const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return { commonName: all(subject.CN)[0] ?? '', organizations: all(subject.O) };
}
