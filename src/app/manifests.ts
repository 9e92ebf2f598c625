import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { ServerBuilder } from './server-builder.js';

const HELP = `Usage: SERVER manifests [flags]

Prints what a cluster needs to run this server behind kube-apiserver (README "Running behind
kube-apiserver"), as YAML for kubectl apply: Namespace, ServiceAccount, Deployment, Service, one
APIService per served group-version, the ClusterRoleBinding to system:auth-delegator, the
RoleBinding to extension-apiserver-authentication-reader in kube-system, and a ClusterRole
granting the server's resources.

Flags:
  --name NAME                 name of the Deployment, Service, ServiceAccount (default apiserver-kit)
  --namespace NS              namespace to run in (default: the name)
  --image IMAGE               container image (default apiserver-kit:latest)
  --ca-bundle-file FILE       the CA that signed the serving certificate, for the APIServices'
                              caBundle (without it they set insecureSkipTLSVerify: true)
  --group-priority-minimum N  default 1000
  --version-priority N        default 15
  --help                      print this text
`;

/** The `manifests` subcommand. */
export async function manifestsCommand(builder: ServerBuilder, argv: string[]): Promise<number> {
  const out = builder.currentConfig().output;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: 'string' },
        namespace: { type: 'string' },
        image: { type: 'string' },
        'ca-bundle-file': { type: 'string' },
        'group-priority-minimum': { type: 'string' },
        'version-priority': { type: 'string' },
        help: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  try {
    const dns = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    const name = (values.name as string | undefined) ?? 'apiserver-kit';
    const namespace = (values.namespace as string | undefined) ?? name;
    for (const [flag, v] of [['--name', name], ['--namespace', namespace]]) if (!dns.test(v) || v.length > 63) throw new Error(`${flag} must be a DNS label, got "${v}"`);
    const int = (flag: string, fallback: number, max: number): number => {
      const raw = values[flag];
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(String(raw)) || Number(raw) < 1 || Number(raw) > max) throw new Error(`--${flag} must be a number from 1 to ${max}, got "${raw}"`);
      return Number(raw);
    };
    const caFile = values['ca-bundle-file'] as string | undefined;
    const caBundle = caFile === undefined ? undefined : Buffer.from(readFileSync(caFile, 'utf8')).toString('base64');
    const docs = manifests(builder, {
      name,
      namespace,
      image: (values.image as string | undefined) ?? 'apiserver-kit:latest',
      caBundle,
      groupPriorityMinimum: int('group-priority-minimum', 1000, 20000),
      versionPriority: int('version-priority', 15, 1000),
    });
    out.write(docs.map((d) => stringify(d)).join('---\n'));
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

export interface ManifestOptions {
  name: string;
  namespace: string;
  image: string;
  /** Base64 PEM for the APIServices; absent: insecureSkipTLSVerify. */
  caBundle?: string;
  groupPriorityMinimum: number;
  versionPriority: number;
}

/** The objects, built from the builder's own resource list. */
export function manifests(builder: ServerBuilder, o: ManifestOptions): Record<string, unknown>[] {
  const labels = { app: o.name };
  const groupVersions = new Map<string, Set<string>>();
  const resourcesByGroup = new Map<string, Set<string>>();
  for (const { definition } of builder.currentConfig().resources) {
    if (definition.group === '') continue; // the core group is kube-apiserver's own
    for (const v of definition.versions.served) {
      if (!groupVersions.has(v.group)) groupVersions.set(v.group, new Set());
      groupVersions.get(v.group)!.add(v.version);
    }
    if (!resourcesByGroup.has(definition.group)) resourcesByGroup.set(definition.group, new Set());
    const set = resourcesByGroup.get(definition.group)!;
    set.add(definition.plural);
    const sub = definition.subresources as { status?: unknown; scale?: unknown } | undefined;
    if (sub?.status) set.add(`${definition.plural}/status`);
    if (sub?.scale) set.add(`${definition.plural}/scale`);
  }
  if (groupVersions.size === 0) throw new Error('the server serves no API group of its own: nothing to register with kube-apiserver');
  const docs: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: o.name, namespace: o.namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: o.name,
            containers: [
              {
                name: 'apiserver',
                image: o.image,
                args: [
                  '--bind-address=0.0.0.0',
                  '--secure-port=6443',
                  '--in-cluster',
                  `--tls-sans=${o.name}.${o.namespace}.svc,${o.name}.${o.namespace}.svc.cluster.local`,
                  '--cert-dir=/data/certs',
                  '--storage=sqlite:/data/apiserver.db',
                ],
                ports: [{ name: 'https', containerPort: 6443 }],
                readinessProbe: { httpGet: { path: '/readyz', port: 6443, scheme: 'HTTPS' } },
                livenessProbe: { httpGet: { path: '/livez', port: 6443, scheme: 'HTTPS' } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: o.name, namespace: o.namespace, labels },
      spec: { selector: labels, ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
    },
  ];
  for (const [group, versions] of groupVersions) {
    for (const version of versions) {
      docs.push({
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: `${version}.${group}`, labels },
        spec: {
          group,
          version,
          groupPriorityMinimum: o.groupPriorityMinimum,
          versionPriority: o.versionPriority,
          service: { name: o.name, namespace: o.namespace, port: 443 },
          ...(o.caBundle ? { caBundle: o.caBundle } : { insecureSkipTLSVerify: true }),
        },
      });
    }
  }
  const subject = [{ kind: 'ServiceAccount', name: o.name, namespace: o.namespace }];
  docs.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${o.name}:system:auth-delegator` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: subject,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${o.name}:extension-apiserver-authentication-reader`, namespace: 'kube-system' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects: subject,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${o.name}:editor` },
      rules: [...resourcesByGroup].map(([group, resources]) => ({
        apiGroups: [group],
        resources: [...resources],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      })),
    },
  );
  return docs;
}
