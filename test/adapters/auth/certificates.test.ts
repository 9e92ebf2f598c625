import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '../../../src/adapters/auth/certificate-authority.js';
import { ClientCertificateAuthenticator } from '../../../src/adapters/auth/client-certificate-authenticator.js';
import { RequestHeaderAuthenticator } from '../../../src/adapters/auth/request-header-authenticator.js';
import {
  derOf,
  makeCa,
  makeCertWithExtensions,
  makeClientCert,
  makeIntermediateCa,
  type TestCa,
} from '../../e2e/support/test-certificates.js';

describe('auth: client certificates and the front proxy (openssl certificates)', function () {
  this.timeout(60_000);
  let dir: string;
  let root: TestCa;
  let other: TestCa;
  let ca: CertificateAuthority;
  let alice: Buffer[];
  let viaIntermediate: Buffer[];
  let intermediateOnly: Buffer[];
  let serverOnly: Buffer[];
  let foreign: Buffer[];
  let noName: Buffer[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-certs-'));
    root = await makeCa(dir, 'root');
    other = await makeCa(dir, 'other');
    const intermediate = await makeIntermediateCa(dir, root, 'intermediate');
    ca = CertificateAuthority.fromFile(root.certFile);
    alice = derOf((await makeClientCert(dir, root, 'alice', '/CN=alice/O=dev/O=ops')).cert);
    const bob = derOf((await makeClientCert(dir, intermediate, 'bob', '/CN=bob')).cert);
    viaIntermediate = [...bob, ...derOf(intermediate.cert)];
    intermediateOnly = bob;
    serverOnly = derOf((await makeCertWithExtensions(dir, root, 'server', '/CN=server', 'extendedKeyUsage=serverAuth\n')).cert);
    foreign = derOf((await makeClientCert(dir, other, 'mallory', '/CN=alice')).cert);
    noName = derOf((await makeClientCert(dir, root, 'noname', '/O=dev')).cert);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('verifies chains up to the bundle, through intermediates the client sent', () => {
    expect(ca.verify(alice)).to.deep.include({ ok: true });
    expect(ca.verify(viaIntermediate)).to.deep.include({ ok: true });
    expect(ca.verify(intermediateOnly)).to.deep.equal({ ok: false, error: 'x509: certificate signed by unknown authority' });
    expect(ca.verify(foreign)).to.deep.equal({ ok: false, error: 'x509: certificate signed by unknown authority' });
    expect(ca.verify(serverOnly)).to.deep.equal({ ok: false, error: 'x509: certificate specifies an incompatible key usage' });
  });

  it('checks the validity period', () => {
    const past = new Date(Date.now() - 10 * 86_400_000);
    const future = new Date(Date.now() + 10 * 86_400_000);
    expect((ca.verify(alice, past) as { error: string }).error).to.match(/^x509: certificate is not valid before /);
    expect((ca.verify(alice, future) as { error: string }).error).to.match(/^x509: certificate has expired/);
  });

  it('answers malformed certificates with an error, never an exception', () => {
    for (const chain of [[Buffer.from('not a certificate')], [Buffer.alloc(0)], [alice[0].subarray(0, 100)], []]) {
      const r = ca.verify(chain);
      expect(r.ok).to.equal(false);
    }
    expect(() => CertificateAuthority.fromPem('garbage', 'x.pem')).to.throw('x.pem: no PEM certificate found');
    expect(() => CertificateAuthority.fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'x.pem')).to.throw(
      /x\.pem: certificate 1 does not parse/,
    );
    expect(() => CertificateAuthority.fromFile(join(dir, 'missing.pem'))).to.throw(/CA file .*missing\.pem: ENOENT/);
  });

  it('client certificates: CN the user, O the groups; no CN says nothing; a bad chain is an error', async () => {
    const auth = new ClientCertificateAuthenticator(ca);
    expect(await auth.authenticate({ headers: {}, clientCertificates: alice })).to.deep.equal({ user: { username: 'alice', groups: ['dev', 'ops'] } });
    expect(await auth.authenticate({ headers: {}, clientCertificates: noName })).to.equal(undefined);
    expect(await auth.authenticate({ headers: {} })).to.equal(undefined);
    expect(await auth.authenticate({ headers: {}, clientCertificates: foreign })).to.deep.equal({
      error: 'client certificate: x509: certificate signed by unknown authority',
    });
  });

  it('front proxy: headers only through an allowed certificate of its CA', async () => {
    const auth = new RequestHeaderAuthenticator({ ca, allowedNames: ['alice'], uidHeaders: ['X-Remote-Uid'] });
    const headers = {
      'x-remote-user': ['dave', 'eve'],
      'x-remote-uid': ['42'],
      'x-remote-group': ['a', 'b'],
      'x-remote-extra-scopes': ['s1', 's2'],
      'x-remote-extra-example.org%2fkey': ['v'],
    };
    expect(await auth.authenticate({ headers, clientCertificates: alice })).to.deep.equal({
      user: { username: 'dave', uid: '42', groups: ['a', 'b'], extra: { scopes: ['s1', 's2'], 'example.org/key': ['v'] } },
    });
    expect(await auth.authenticate({ headers })).to.equal(undefined);
    expect(await auth.authenticate({ headers: {}, clientCertificates: alice })).to.equal(undefined);
    expect(await auth.authenticate({ headers, clientCertificates: foreign })).to.deep.equal({
      error: 'front proxy: x509: certificate signed by unknown authority',
    });
    expect(await auth.authenticate({ headers, clientCertificates: viaIntermediate })).to.deep.equal({
      error: 'front proxy: x509: subject with cn=bob is not in the allowed list',
    });
    const anyName = new RequestHeaderAuthenticator({ ca });
    expect((await anyName.authenticate({ headers, clientCertificates: viaIntermediate }))?.user?.username).to.equal('dave');
  });
});
