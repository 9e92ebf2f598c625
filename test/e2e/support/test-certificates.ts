/**
 * Certificates made by openssl for access-control tests: CAs, and client certificates signed
 * by them (P-256 keys, a day of validity, extendedKeyUsage clientAuth).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  name: string;
  certFile: string;
  keyFile: string;
  cert: string;
}

export interface TestClientCert {
  cert: string;
  key: string;
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

/** A self-signed CA in `dir`. */
export async function makeCa(dir: string, name: string): Promise<TestCa> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { name, certFile, keyFile, cert: await readFile(certFile, 'utf8') };
}

/** A client certificate for `subject` (`/CN=alice/O=dev`) signed by `ca`. */
export async function makeClientCert(dir: string, ca: TestCa, file: string, subject: string): Promise<TestClientCert> {
  const key = join(dir, `${file}.key`);
  const csr = join(dir, `${file}.csr`);
  const crt = join(dir, `${file}.crt`);
  const ext = join(dir, `${file}.ext`);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  await writeFile(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', crt, '-days', '1', '-extfile', ext]);
  return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
}

/** A CA signed by `parent` (an intermediate). */
export async function makeIntermediateCa(dir: string, parent: TestCa, name: string): Promise<TestCa> {
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  await writeFile(ext, 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  await openssl(['x509', '-req', '-in', csr, '-CA', parent.certFile, '-CAkey', parent.keyFile, '-CAcreateserial', '-out', certFile, '-days', '1', '-extfile', ext]);
  return { name, certFile, keyFile, cert: await readFile(certFile, 'utf8') };
}

/** A certificate for `subject` signed by `ca` with other extensions (`extendedKeyUsage=serverAuth`, ...). */
export async function makeCertWithExtensions(dir: string, ca: TestCa, file: string, subject: string, extensions: string): Promise<TestClientCert> {
  const key = join(dir, `${file}.key`);
  const csr = join(dir, `${file}.csr`);
  const crt = join(dir, `${file}.crt`);
  const ext = join(dir, `${file}.ext`);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  await writeFile(ext, extensions);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', crt, '-days', '1', '-extfile', ext]);
  return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
}

/** The DER of each PEM certificate in `pem`, in order. */
export function derOf(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map((block) =>
    Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''), 'base64'),
  );
}
