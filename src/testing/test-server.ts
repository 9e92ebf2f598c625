import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKubeconfig } from '../app/kubeconfig.js';
import { ServerBuilder } from '../app/server-builder.js';

export interface StartedServer {
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string;
  token: string;
  /** A kubeconfig (YAML text) for kubectl, client-node or `connect({ kubeconfig })`. */
  kubeconfig: string;
  stop(): Promise<void>;
}

/**
 * Starts the server `configure` describes over HTTPS on a free port of 127.0.0.1, with a
 * self-signed certificate, a bearer token and in-memory storage unless `configure` sets
 * another; resolves with its address and a kubeconfig for it.
 */
export async function startServer(configure: (b: ServerBuilder) => ServerBuilder, token = 'apiserver-kit-test'): Promise<StartedServer> {
  const dir = await mkdtemp(join(tmpdir(), 'apiserver-kit-test-'));
  const builder = new ServerBuilder()
    .withOutputWriter({ write: () => true })
    .withStorage('memory')
    .withCertDir(join(dir, 'certs'))
    .withBindPort(0)
    .withBearerToken(token);
  const server = configure(builder).build();
  const { url } = await server.start();
  const ca = server.caCertificate as string;
  return {
    url,
    ca,
    token,
    kubeconfig: renderKubeconfig({ server: url, caPem: ca, token }),
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
