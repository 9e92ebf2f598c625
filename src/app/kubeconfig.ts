import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigParams {
  server: string;
  /** PEM of the CA that signed the serving certificate; none for plain HTTP. */
  caPem?: string;
  token?: string;
  namespace?: string;
  name?: string;
}

/**
 * A kubeconfig usable as is by kubectl and client-node: the server, the CA to trust, and
 * credentials (kubectl prompts for a username over HTTPS when a user entry has none, so a
 * token should always be given).
 */
export function renderKubeconfig(p: KubeconfigParams): string {
  const name = p.name ?? 'apiserver-kit';
  const cluster: Record<string, unknown> = { server: p.server };
  if (p.caPem) cluster['certificate-authority-data'] = Buffer.from(p.caPem).toString('base64');
  const user: Record<string, unknown> = p.token ? { token: p.token } : {};
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: p.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes a kubeconfig atomically, readable by its owner only (it holds a token). */
export async function writeKubeconfigFile(path: string, p: KubeconfigParams): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, renderKubeconfig(p), { mode: 0o600 });
  await rename(tmp, path);
}
