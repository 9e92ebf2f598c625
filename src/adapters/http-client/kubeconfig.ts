import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** What a client needs from a kubeconfig's current (or named) context. */
export interface ConnectionSettings {
  url: string;
  /** PEM of the CA to trust; the system's CAs when absent. */
  ca?: string;
  token?: string;
  /** Client certificate and key (PEM), for servers that authenticate by certificate. */
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
  /** The context's namespace (`default` when the context names none). */
  namespace: string;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

/**
 * Reads the connection of one context of a kubeconfig: a path, or the YAML text itself when
 * `source` has a newline. Relative file references resolve against the kubeconfig's folder,
 * as kubectl resolves them.
 */
export function readKubeconfig(source?: string, contextName?: string): ConnectionSettings {
  const path = source ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
  const inline = path.includes('\n');
  const text = inline ? path : readFileSync(path, 'utf8');
  const base = inline ? process.cwd() : dirname(path);
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const name = contextName ?? (doc['current-context'] as string | undefined);
  const find = <T>(list: unknown, n: string | undefined, what: string): T => {
    const entry = ((list as Array<Named<T>> | undefined) ?? []).find((e) => e.name === n);
    if (!entry) throw new Error(`kubeconfig: no ${what} named ${JSON.stringify(n)}`);
    return (entry.cluster ?? entry.user ?? entry.context ?? {}) as T;
  };
  const context = find<Record<string, string>>(doc.contexts, name, 'context');
  const cluster = find<Record<string, unknown>>(doc.clusters, context.cluster, 'cluster');
  const user = context.user ? find<Record<string, unknown>>(doc.users, context.user, 'user') : {};
  const file = (p: unknown) => readFileSync(isAbsolute(String(p)) ? String(p) : join(base, String(p)), 'utf8');
  const pem = (data: unknown, ref: unknown) =>
    typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : ref ? file(ref) : undefined;
  const settings: ConnectionSettings = {
    url: String(cluster.server ?? ''),
    namespace: context.namespace ?? 'default',
  };
  const ca = pem(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) settings.ca = ca;
  const token = typeof user.token === 'string' ? user.token : user.tokenFile ? file(user.tokenFile).trim() : undefined;
  if (token) settings.token = token;
  const cert = pem(user['client-certificate-data'], user['client-certificate']);
  const key = pem(user['client-key-data'], user['client-key']);
  if (cert) settings.cert = cert;
  if (key) settings.key = key;
  if (cluster['insecure-skip-tls-verify'] === true) settings.insecureSkipTlsVerify = true;
  if (!settings.url) throw new Error('kubeconfig: the cluster has no server');
  return settings;
}
