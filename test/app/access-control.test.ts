import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { executeCommand } from '../../src/app/cli.js';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import type { UserInfo } from '../../src/domain/resource/strategy.js';
import type { Authenticator } from '../../src/ports/authenticator.port.js';
import type { Authorizer } from '../../src/ports/authorizer.port.js';

const seen: Array<UserInfo | undefined> = [];
const Note = defineResource({
  group: 'notes.example.com',
  version: 'v1',
  kind: 'Note',
  plural: 'notes',
  scope: 'Namespaced',
  spec: z.object({ text: z.string().optional() }),
  strategy: {
    prepareForCreate(_obj, ctx) {
      seen.push(ctx.user);
    },
  },
});
const NOTES = '/apis/notes.example.com/v1/namespaces/default/notes';
const silent = { write: () => true };

/** Knows one header, `X-Test-User`, and tells extra about the user. */
const headerAuthenticator: Authenticator = {
  authenticate: async (req) => {
    const name = req.headers['x-test-user'];
    const user = Array.isArray(name) ? name[0] : name;
    return user ? { user: { username: user, uid: 'u-1', groups: ['writers'], extra: { scopes: ['a', 'b'] } } } : undefined;
  },
};
/** Lets writers create and get notes, nobody delete them. */
const writersOnly: Authorizer = {
  authorize: async (a) =>
    a.resource === 'notes' && a.verb === 'delete'
      ? { decision: 'deny', reason: 'notes are forever' }
      : a.user.groups?.includes('writers') && a.resource === 'notes'
        ? { decision: 'allow' }
        : { decision: 'no-opinion' },
};

describe('app: access control through the builder and the command line', () => {
  const servers: ApiServer[] = [];
  async function serve(configure: (b: ServerBuilder) => ServerBuilder): Promise<string> {
    const server = configure(new ServerBuilder().withOutputWriter(silent).withStorage('memory').withResource(Note).withInsecureServing().withBindPort(0)).build();
    servers.push(server);
    return (await server.start()).url;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  const post = (url: string, headers: Record<string, string>) =>
    fetch(`${url}${NOTES}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ metadata: { name: `n${seen.length}` } }) });

  it('gives strategies the authenticated user with groups and extra; the Authorizer port decides', async () => {
    const url = await serve((b) => b.withAuthenticator(headerAuthenticator).withAuthorizer(writersOnly));
    seen.length = 0;
    expect((await post(url, { 'X-Test-User': 'wendy' })).status).to.equal(201);
    expect(seen).to.deep.equal([{ username: 'wendy', uid: 'u-1', groups: ['writers', 'system:authenticated'], extra: { scopes: ['a', 'b'] } }]);
    const del = await fetch(`${url}${NOTES}/n0`, { method: 'DELETE', headers: { 'X-Test-User': 'wendy' } });
    expect(del.status).to.equal(403);
    expect((await del.json()).message).to.equal(
      'notes.notes.example.com "n0" is forbidden: User "wendy" cannot delete resource "notes" in API group "notes.example.com" in the namespace "default": notes are forever',
    );
    // Anonymous is on by default with an authorizer: the authorizer then says no.
    const anonymous = await post(url, {});
    expect(anonymous.status).to.equal(403);
    expect((await anonymous.json()).message).to.contain('User "system:anonymous" cannot create resource "notes"');
  });

  it('refuses requests without credentials with 401 when anonymous is off, and always without an authorizer', async () => {
    for (const configure of [
      (b: ServerBuilder) => b.withAuthenticator(headerAuthenticator).withAuthorizer(writersOnly).withAnonymousAuth(false),
      (b: ServerBuilder) => b.withAuthenticator(headerAuthenticator).withAnonymousAuth(true),
    ]) {
      const url = await serve(configure);
      const res = await post(url, {});
      expect(res.status).to.equal(401);
      expect(await res.json()).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect((await fetch(`${url}/healthz`)).status).to.equal(200);
    }
  });

  it('serves the self reviews whenever requests are authenticated, allowing everything without an authorizer', async () => {
    const url = await serve((b) => b.withAuthenticator(headerAuthenticator));
    const res = await fetch(`${url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Test-User': 'wendy' },
      body: JSON.stringify({ spec: { resourceAttributes: { verb: 'delete', group: 'notes.example.com', resource: 'notes', namespace: 'x' } } }),
    });
    expect(res.status).to.equal(201);
    expect((await res.json()).status).to.deep.equal({ allowed: true });
    const bad = await fetch(`${url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Test-User': 'wendy' },
      body: JSON.stringify({ spec: {} }),
    });
    expect(bad.status).to.equal(422);
    const open = await serve((b) => b);
    expect((await fetch(`${open}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, { method: 'POST' })).status).to.equal(404);
  });

  describe('command line', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-access-cli-'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    async function run(argv: string[]): Promise<{ code: number; err: string }> {
      let err = '';
      const original = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array) => {
        err += String(chunk);
        return true;
      }) as typeof process.stderr.write;
      try {
        const builder = new ServerBuilder().withOutputWriter(silent).withStorage('memory').withResource(Note);
        const code = await executeCommand(builder, ['--secure-port', '0', '--cert-dir', join(dir, 'certs'), ...argv]);
        return { code, err };
      } finally {
        process.stderr.write = original;
      }
    }

    it('names what is wrong with the access flags and files, and does not serve', async () => {
      await writeFile(join(dir, 'bad-ca.pem'), 'not a certificate\n');
      await writeFile(join(dir, 'bad-policy.yaml'), 'rules:\n  - users: [a]\n    verbs: [get]\n');
      await writeFile(join(dir, 'bad-tokens.csv'), 'only,two\n');
      expect(await run(['--client-ca-file', join(dir, 'bad-ca.pem')])).to.deep.equal({
        code: 1,
        err: `error: ${join(dir, 'bad-ca.pem')}: no PEM certificate found\n`,
      });
      expect(await run(['--authorization-policy-file', join(dir, 'bad-policy.yaml')])).to.deep.include({ code: 1 });
      expect((await run(['--authorization-policy-file', join(dir, 'bad-policy.yaml')])).err).to.contain(
        'rules[0].apiGroups: at least one group is required',
      );
      expect((await run(['--token-auth-file', join(dir, 'bad-tokens.csv')])).err).to.contain('line 1: needs at least 3 columns');
      expect(await run(['--requestheader-allowed-names', 'front-proxy-client'])).to.deep.equal({
        code: 2,
        err: 'error: --requestheader-allowed-names needs --requestheader-client-ca-file\n',
      });
      expect(await run(['--anonymous-auth=maybe'])).to.deep.equal({ code: 2, err: 'error: --anonymous-auth must be true or false, got "maybe"\n' });
    });
  });
});
