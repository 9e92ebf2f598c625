import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MainServerConnection } from '../adapters/auth/delegation/main-server-client.js';
import { readKubeconfig } from '../adapters/http-client/kubeconfig.js';

/** Where a pod finds its service account (rest.InClusterConfig's paths). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How the server reaches the main API server for one kind of delegation. */
export interface MainServerChoice {
  /** A kubeconfig file (its current context); absent: the pod's service account (in-cluster). */
  kubeconfig?: string;
  /** The service account folder (token, ca.crt) for in-cluster; default {@link SERVICE_ACCOUNT_DIR}. */
  serviceAccountDir?: string;
  /** The environment for in-cluster (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT); default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * The connection a kubeconfig or the in-cluster service account describes, as client-go's
 * `rest.InClusterConfig` reads the latter: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
 * the CA in `ca.crt`, the token in `token` (read again before each request: it rotates).
 */
export function mainServerConnection(choice: MainServerChoice): MainServerConnection {
  if (choice.kubeconfig !== undefined) {
    const s = readKubeconfig(choice.kubeconfig);
    return { url: s.url, ca: s.ca, token: s.token, cert: s.cert, key: s.key, insecureSkipTlsVerify: s.insecureSkipTlsVerify };
  }
  const env = choice.env ?? process.env;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error('in-cluster delegation: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not in a pod?); give a kubeconfig instead');
  }
  const dir = choice.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      throw new Error(`in-cluster delegation: ${(err as Error).message}`);
    }
  };
  const token = read('token').trim();
  const ca = read('ca.crt');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { url: `https://${hostPart}:${port}`, ca, token, tokenFile: join(dir, 'token') };
}
