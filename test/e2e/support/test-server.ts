/**
 * A server for end-to-end tests: composed by ServerBuilder, served over HTTPS on 127.0.0.1 on
 * a free port with a self-signed certificate and a bearer token, as real clients meet it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerBuilder } from '../../../src/app/server-builder.js';

export interface TestServer {
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string;
  token: string;
  stop(): Promise<void>;
}

/**
 * Builds the server `configure` describes on the embedded default storage (SQLite, on a real
 * file in a temporary directory) and serves it the way `executeCommand` does: HTTPS with a
 * self-signed certificate and a bearer token, on a free port of 127.0.0.1.
 */
export async function startTestServer(configure: (b: ServerBuilder) => ServerBuilder, token = 'e2e-token'): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-e2e-'));
  const builder = new ServerBuilder()
    .withOutputWriter({ write: () => true })
    .withStorage(`sqlite:${join(dir, 'apiserver.db')}`)
    .withCertDir(join(dir, 'certs'))
    .withBindPort(0)
    .withBearerToken(token)
    .withOpenApiInfo({ title: 'apiserver-kit e2e', version: '1.0.0' });
  const server = configure(builder).build();
  const { url } = await server.start();
  return {
    url,
    ca: server.caCertificate as string,
    token,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
