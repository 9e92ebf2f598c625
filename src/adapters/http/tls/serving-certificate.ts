import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** A serving certificate and the CA that signed it, as PEM text and as the files holding them. */
export interface ServingCertificate {
  /** The serving certificate followed by its CA: what a TLS server sends. */
  cert: string;
  key: string;
  /** The CA certificate clients trust (kubeconfig `certificate-authority-data`). */
  ca: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Whether this call wrote a new serving certificate. */
  generated: boolean;
}

export interface ServingCertificateOptions {
  /** DNS names and IP addresses to serve; default localhost, 127.0.0.1 and ::1. */
  hosts?: readonly string[];
  /** Renew the serving certificate when it expires within this many days. Default 30. */
  renewBeforeDays?: number;
  /** Lifetime of a new serving certificate in days. Default 365. */
  validityDays?: number;
  /** The current time (tests). */
  now?: Date;
}

export const DEFAULT_SERVING_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];
const DEFAULT_HOSTS = DEFAULT_SERVING_HOSTS;
const CA_VALIDITY_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

const FILES = {
  caCert: 'apiserver-ca.crt',
  caKey: 'apiserver-ca.key',
  cert: 'apiserver.crt',
  key: 'apiserver.key',
};

/**
 * A self-signed serving setup kept in `certDir`, like kube-apiserver's `--cert-dir`: a CA and a
 * serving certificate it signed for the given hosts. What is there is reused while it is valid,
 * matches its key, covers every host and is not about to expire; otherwise a new serving
 * certificate is made from the same CA (so kubeconfigs written before keep working), and a
 * new CA only when the CA itself is missing, broken or expiring. Keys are written 0600.
 */
export async function ensureServingCertificate(certDir: string, options: ServingCertificateOptions = {}): Promise<ServingCertificate> {
  const now = options.now ?? new Date();
  const hosts = [...(options.hosts ?? DEFAULT_HOSTS)];
  const renewBefore = (options.renewBeforeDays ?? 30) * DAY_MS;
  const validity = (options.validityDays ?? 365) * DAY_MS;
  if (hosts.length === 0) throw new Error('a serving certificate needs at least one host');
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  const path = (name: keyof typeof FILES): string => join(certDir, FILES[name]);

  let ca = await loadPair(path('caCert'), path('caKey'));
  let caFresh = false;
  if (!ca || !usable(ca.x509, now, renewBefore) || !ca.x509.ca) {
    const made = await generate([{ name: 'commonName', value: `apiserver-kit-ca@${Math.floor(now.getTime() / 1000)}` }], {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - 60_000),
      notAfterDate: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    await writeAtomically(path('caKey'), made.private, 0o600);
    await writeAtomically(path('caCert'), made.cert, 0o644);
    ca = { cert: made.cert, key: made.private, x509: new X509Certificate(made.cert) };
    caFresh = true;
  }

  const existing = caFresh ? undefined : await loadPair(path('cert'), path('key'));
  if (
    existing &&
    usable(existing.x509, now, renewBefore) &&
    existing.x509.checkIssued(ca.x509) &&
    existing.x509.verify(ca.x509.publicKey) &&
    hosts.every((h) => covers(existing.x509, h))
  ) {
    return result(existing.cert, existing.key, ca.cert, false);
  }

  const serving = await generate([{ name: 'commonName', value: `${hosts[0]}@${Math.floor(now.getTime() / 1000)}` }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + validity),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })) },
    ],
  });
  const chain = `${serving.cert.trim()}\n${ca.cert.trim()}\n`;
  await writeAtomically(path('key'), serving.private, 0o600);
  await writeAtomically(path('cert'), chain, 0o644);
  return result(chain, serving.private, ca.cert, true);

  function result(cert: string, key: string, caPem: string, generated: boolean): ServingCertificate {
    return { cert, key, ca: caPem, certFile: path('cert'), keyFile: path('key'), caFile: path('caCert'), generated };
  }
}

interface Pair {
  cert: string;
  key: string;
  /** The first certificate of `cert`. */
  x509: X509Certificate;
}

async function loadPair(certFile: string, keyFile: string): Promise<Pair | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { cert, key, x509 };
  } catch {
    // Missing or unreadable files are replaced.
    return undefined;
  }
}

function usable(x: X509Certificate, now: Date, renewBefore: number): boolean {
  const from = Date.parse(x.validFrom);
  const to = Date.parse(x.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= now.getTime() && to - renewBefore > now.getTime();
}

function covers(x: X509Certificate, host: string): boolean {
  return isIP(host) ? x.checkIP(host) !== undefined : x.checkHost(host, { subject: 'never' }) !== undefined;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, file);
}
