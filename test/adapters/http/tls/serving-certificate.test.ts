import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingCertificate } from '../../../../src/adapters/http/tls/serving-certificate.js';

const DAY = 24 * 60 * 60 * 1000;

describe('http: self-signed serving certificate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-cert-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('generates a CA-signed certificate for localhost, 127.0.0.1 and ::1, keys 0600', async () => {
    const c = await ensureServingCertificate(dir);
    expect(c.generated).to.equal(true);
    const leaf = new X509Certificate(c.cert);
    const ca = new X509Certificate(c.ca);
    expect(leaf.checkHost('localhost')).to.equal('localhost');
    expect(leaf.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(leaf.checkIP('::1')).to.not.equal(undefined);
    expect(leaf.checkIssued(ca)).to.equal(true);
    expect(ca.ca).to.equal(true);
    expect((await stat(c.keyFile)).mode & 0o777).to.equal(0o600);
    expect(await readFile(c.certFile, 'utf8')).to.equal(c.cert);
  });

  it('reuses what is there, and renews before expiry with the same CA', async () => {
    const first = await ensureServingCertificate(dir);
    const again = await ensureServingCertificate(dir);
    expect(again.generated).to.equal(false);
    expect(again.cert).to.equal(first.cert);
    const later = await ensureServingCertificate(dir, { now: new Date(Date.now() + 340 * DAY) });
    expect(later.generated).to.equal(true);
    expect(later.cert).to.not.equal(first.cert);
    expect(later.ca).to.equal(first.ca);
  });

  it('regenerates when a host is missing or the files are broken', async () => {
    const first = await ensureServingCertificate(dir);
    const more = await ensureServingCertificate(dir, { hosts: ['localhost', '127.0.0.1', 'api.example.test'] });
    expect(more.generated).to.equal(true);
    expect(new X509Certificate(more.cert).checkHost('api.example.test')).to.equal('api.example.test');
    await writeFile(first.keyFile, 'garbage');
    expect((await ensureServingCertificate(dir, { hosts: ['localhost', '127.0.0.1', 'api.example.test'] })).generated).to.equal(true);
  });

  it('serves TLS that a client trusting the CA accepts', async () => {
    const c = await ensureServingCertificate(dir);
    const server = createServer({ cert: c.cert, key: c.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const { request } = await import('node:https');
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/', ca: c.ca }, (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve(t));
        })
          .on('error', reject)
          .end();
      });
      expect(body).to.equal('ok');
    } finally {
      server.close();
    }
  });
});
