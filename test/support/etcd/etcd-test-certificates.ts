import { generate } from 'selfsigned';

/** PEMs for a TLS-secured test etcd: a CA, a server certificate for 127.0.0.1, a client certificate. */
export interface EtcdTestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A fresh CA and the server and client certificates it signed, valid for a day. */
export async function makeEtcdTestCertificates(): Promise<EtcdTestCertificates> {
  const notAfterDate = new Date(Date.now() + 24 * 3600 * 1000);
  const ca = await generate([{ name: 'commonName', value: 'apiserver-kit test etcd CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
    ],
  });
  const signer = { key: ca.private, cert: ca.cert };
  const server = await generate([{ name: 'commonName', value: 'etcd' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    ca: signer,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'apiserver-kit' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate,
    ca: signer,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { ca: ca.cert, serverCert: server.cert, serverKey: server.private, clientCert: client.cert, clientKey: client.private };
}
