import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ObjectStore } from '../ports/object-store.port.js';
import { copyObjects, type IfExists } from './copy-storage.js';
import { migrateStorageCommand } from './migrate-storage.js';
import { manifestsCommand } from './manifests.js';
import type { ServerBuilder } from './server-builder.js';
import type { OutputWriter } from './server-config.js';
import { openStorage, parseStorageSpec, STORAGE_SPEC_HELP, storageIdentity } from './storage-spec.js';

const HELP = `Usage:
  SERVER [flags]                  serve the API (flags below)
  SERVER copy-storage --from SPEC --to SPEC [--if-exists fail|skip|overwrite]
                                  copy every object from one storage to another
  SERVER migrate-storage [--storage SPEC]
                                  rewrite objects of older versions in the storage version
  SERVER manifests [--name N] [--namespace NS] [--image IMG] [--ca-bundle-file FILE]
                                  print what a cluster needs to run this server behind kube-apiserver
  SERVER COMMAND --help           help for a command

Flags:
  --bind-address ADDR         address to listen on (default 127.0.0.1)
  --secure-port PORT          port to serve HTTPS on; 0 picks a free port (default 6443)
  --cert-dir DIR              where a self-signed certificate is kept when no files are given
                              (default .apiserver-kit/certs)
  --tls-cert-file FILE        serving certificate (PEM)
  --tls-private-key-file FILE serving key (PEM)
  --token TOKEN               accept this bearer token, as a user in system:masters (may be repeated)

Access control (README "Access control"; lists are comma-separated, flags may be repeated):
  --token-auth-file FILE      static tokens, one per line: token,user,uid,"group1,group2"
  --client-ca-file FILE       accept client certificates of these CAs (CN user, O groups)
  --requestheader-client-ca-file FILE
                              trust the front proxy (X-Remote-* headers) on connections whose
                              client certificate verifies against these CAs
  --requestheader-allowed-names NAMES
                              common names the front proxy's certificate may have (default any)
  --requestheader-username-headers HEADERS   default X-Remote-User
  --requestheader-uid-headers HEADERS        default none
  --requestheader-group-headers HEADERS      default X-Remote-Group
  --requestheader-extra-headers-prefix PREFIXES
                                             default X-Remote-Extra-
  --anonymous-auth[=true|false]
                              serve requests without credentials as system:anonymous (default
                              true; only with an authorizer, else they answer 401)
  --authorization-policy-file FILE
                              authorize with this policy (YAML or JSON rules)
  --authorization-always-allow-paths PATHS   default /healthz,/readyz,/livez
  --authorization-always-allow-groups GROUPS default system:masters

Behind kube-apiserver (README "Running behind kube-apiserver"):
  --authentication-kubeconfig FILE  put bearer tokens to this main API server as TokenReviews, and
                              read kube-system/extension-apiserver-authentication from it
  --authorization-kubeconfig FILE   authorize by SubjectAccessReviews to this main API server
  --in-cluster                both of the above through the pod's service account, for what no
                              kubeconfig names
  --authentication-token-webhook-cache-ttl DURATION  default 10s
  --authentication-skip-lookup      do not read the ConfigMap
  --authentication-tolerate-lookup-failure  start even when the ConfigMap cannot be read
  --authorization-webhook-cache-authorized-ttl DURATION    default 10s
  --authorization-webhook-cache-unauthorized-ttl DURATION  default 10s
  --tls-sans NAMES            more DNS names and IPs for the self-signed serving certificate
                              (the Service name: NAME.NAMESPACE.svc)
  --storage SPEC              default storage (default sqlite:.apiserver-kit/apiserver.db):
                              ${STORAGE_SPEC_HELP}
  --storage-quota-bytes N     the most bytes of objects a memory, file or SQLite storage holds; beyond
                              it writes get 507 (as etcd's --quota-backend-bytes; for etcd set that)
  --write-kubeconfig FILE     write a kubeconfig for this server (URL, CA, token) once serving

Observability (README "Observability"):
  --log-format text|json      klog-style text lines (default) or JSON lines
  -v, --v LEVEL               log verbosity; 3 and above logs one line per request (default 0)
  --max-requests-inflight N   read-only requests served at once, beyond that 429 (default 400; 0: no limit)
  --max-mutating-requests-inflight N
                              mutating requests served at once, beyond that 429 (default 200; 0: no limit)
  --shutdown-delay-duration DURATION
                              on SIGTERM, fail /readyz and keep serving this long (e.g. 10s) before
                              closing the listener (default 0s)
  --audit-policy-file FILE    audit.k8s.io/v1 Policy (YAML or JSON): which requests are audited, at what level
  --audit-log-path PATH       write audit events as JSON lines to PATH ("-": standard output)
  --audit-log-maxsize MIB     rotate the audit log before it passes this size (default 100)
  --audit-log-maxbackup N     rotated audit logs kept (default 0: all)
  --audit-log-maxage DAYS     rotated audit logs older than this are removed (default 0: none)
  --audit-log-compress        gzip rotated audit logs
  --help                      print this text
`;

const COPY_HELP = `Usage: SERVER copy-storage --from SPEC --to SPEC [flags]

Copies every object from one storage to another under the same keys, keeping uid,
creationTimestamp, generation, labels, annotations, finalizers, owner references, managed
fields and status. The source is read as one consistent snapshot. Stop the server before
copying (a file store is locked while served anyway) and start it on the target afterwards.

The target assigns new resourceVersions: clients must re-list after the move (restart
controllers and informers; kubectl needs nothing).

Flags:
  --from SPEC                 the storage to read: file:DIR | sqlite:FILE | etcd:URL[,URL...][?...]
  --to SPEC                   the storage to write, in the same forms (created when missing)
  --if-exists fail|skip|overwrite
                              a key the target already holds: refuse the whole copy before
                              writing anything (fail, the default), keep the target's object
                              (skip) or replace it (overwrite)
  --prefix PREFIX             only keys under PREFIX, e.g. /demo.example.com/ (default /)
  --help                      print this text

Exit code 0 when every object was copied; 1 when the copy failed, or when the source
reported problems with its data (everything readable is copied; damaged objects are not).
`;

/** Subcommands, named by the first positional argument; without one the server is served. */
const COMMANDS: Record<string, (builder: ServerBuilder, argv: string[]) => Promise<number>> = {
  'copy-storage': (builder, argv) => copyStorageCommand(argv, builder.currentConfig().output),
  'migrate-storage': (builder, argv) => migrateStorageCommand(builder, argv),
  manifests: (builder, argv) => manifestsCommand(builder, argv),
};

/**
 * Runs the command line on top of a builder. Without a subcommand: applies the flags, starts
 * the server, prints one line `serving on https://HOST:PORT` when ready, and stops gracefully
 * on SIGINT or SIGTERM. With one (`copy-storage`), runs it. Resolves with the process exit
 * code: 0 success, 1 failure, 2 a usage error.
 */
export async function executeCommand(builder: ServerBuilder, argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith('-')) {
    const command = COMMANDS[first];
    if (!command) return usageError(`unknown command "${first}"`, HELP);
    return command(builder, rest);
  }
  return serve(builder, argv);
}

async function serve(builder: ServerBuilder, argv: string[]): Promise<number> {
  const out = builder.currentConfig().output;
  // `--anonymous-auth` alone means true, as Go's boolean flags do.
  argv = argv.map((a) => (a === '--anonymous-auth' ? '--anonymous-auth=true' : a));
  const values = parseFlags(argv, HELP, {
    'bind-address': { type: 'string' },
    'secure-port': { type: 'string' },
    'cert-dir': { type: 'string' },
    'tls-cert-file': { type: 'string' },
    'tls-private-key-file': { type: 'string' },
    token: { type: 'string', multiple: true },
    'token-auth-file': { type: 'string', multiple: true },
    'client-ca-file': { type: 'string' },
    'requestheader-client-ca-file': { type: 'string' },
    'requestheader-allowed-names': { type: 'string', multiple: true },
    'requestheader-username-headers': { type: 'string', multiple: true },
    'requestheader-uid-headers': { type: 'string', multiple: true },
    'requestheader-group-headers': { type: 'string', multiple: true },
    'requestheader-extra-headers-prefix': { type: 'string', multiple: true },
    'anonymous-auth': { type: 'string' },
    'authorization-policy-file': { type: 'string', multiple: true },
    'authorization-always-allow-paths': { type: 'string', multiple: true },
    'authorization-always-allow-groups': { type: 'string', multiple: true },
    'authentication-kubeconfig': { type: 'string' },
    'authorization-kubeconfig': { type: 'string' },
    'in-cluster': { type: 'boolean' },
    'authentication-token-webhook-cache-ttl': { type: 'string' },
    'authentication-skip-lookup': { type: 'boolean' },
    'authentication-tolerate-lookup-failure': { type: 'boolean' },
    'authorization-webhook-cache-authorized-ttl': { type: 'string' },
    'authorization-webhook-cache-unauthorized-ttl': { type: 'string' },
    'tls-sans': { type: 'string', multiple: true },
    storage: { type: 'string' },
    'storage-quota-bytes': { type: 'string' },
    'write-kubeconfig': { type: 'string' },
    'log-format': { type: 'string' },
    v: { type: 'string', short: 'v' },
    'max-requests-inflight': { type: 'string' },
    'max-mutating-requests-inflight': { type: 'string' },
    'shutdown-delay-duration': { type: 'string' },
    'audit-policy-file': { type: 'string' },
    'audit-log-path': { type: 'string' },
    'audit-log-maxsize': { type: 'string' },
    'audit-log-maxbackup': { type: 'string' },
    'audit-log-maxage': { type: 'string' },
    'audit-log-compress': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (typeof values === 'number') return values;
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  try {
    if (typeof values['bind-address'] === 'string') builder.withBindAddress(values['bind-address']);
    if (typeof values['secure-port'] === 'string') {
      const port = Number(values['secure-port']);
      if (!/^\d+$/.test(values['secure-port'])) throw new Error(`--secure-port must be a number, got "${values['secure-port']}"`);
      builder.withBindPort(port);
    }
    if (typeof values['cert-dir'] === 'string') builder.withCertDir(values['cert-dir']);
    const certFile = values['tls-cert-file'];
    const keyFile = values['tls-private-key-file'];
    if ((typeof certFile === 'string') !== (typeof keyFile === 'string')) {
      throw new Error('--tls-cert-file and --tls-private-key-file go together');
    }
    if (typeof certFile === 'string' && typeof keyFile === 'string') builder.withCertKey(certFile, keyFile);
    for (const token of (values.token as string[] | undefined) ?? []) builder.withBearerToken(token);
    if (typeof values.storage === 'string') builder.withStorage(values.storage);
    const quota = values['storage-quota-bytes'];
    if (typeof quota === 'string') {
      if (!/^[1-9]\d*$/.test(quota)) throw new Error(`--storage-quota-bytes must be a positive number of bytes, got "${quota}"`);
      builder.withStorageQuotaBytes(Number(quota));
    }
    applyAccessFlags(builder, values);
    applyObservabilityFlags(builder, values);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }

  if (typeof values['write-kubeconfig'] === 'string' && builder.currentConfig().bearerTokens.length === 0) {
    // A kubeconfig without credentials makes kubectl prompt over HTTPS: mint a token.
    builder.withBearerToken(randomBytes(24).toString('base64url'));
  }
  // Listen for signals before anything can be told we are up: a supervisor that sends
  // SIGTERM right after the `serving on` line must get a graceful stop, not the default kill.
  let signalled: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  const onInt = (): void => signalled('SIGINT');
  const onTerm = (): void => signalled('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const server = builder.build();
    try {
      const { url } = await server.start();
      if (typeof values['write-kubeconfig'] === 'string') {
        await server.writeKubeconfig(values['write-kubeconfig']);
      }
      out.write(`serving on ${url}\n`);
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      await server.stop().catch(() => undefined);
      return 1;
    }
    out.write(`received ${await stopSignal}, shutting down\n`);
    await server.stop();
    return 0;
  } catch (err) {
    // build() opens the stores: a damaged database is refused here.
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

/** The access control flags, onto the builder. */
function applyAccessFlags(builder: ServerBuilder, values: Record<string, string | boolean | string[] | undefined>): void {
  const strings = (name: string): string[] => (values[name] as string[] | undefined) ?? [];
  const list = (name: string): string[] | undefined => {
    const given = values[name] as string[] | undefined;
    if (given === undefined) return undefined;
    return given.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  };
  for (const file of strings('token-auth-file')) builder.withTokenAuthFile(file);
  if (typeof values['client-ca-file'] === 'string') builder.withClientCaFile(values['client-ca-file']);
  const headerFlags = ['allowed-names', 'username-headers', 'uid-headers', 'group-headers', 'extra-headers-prefix'];
  const proxyCa = values['requestheader-client-ca-file'];
  if (typeof proxyCa === 'string') {
    builder.withRequestHeader({
      clientCaFile: proxyCa,
      allowedNames: list('requestheader-allowed-names') ?? [],
      usernameHeaders: list('requestheader-username-headers'),
      uidHeaders: list('requestheader-uid-headers'),
      groupHeaders: list('requestheader-group-headers'),
      extraHeaderPrefixes: list('requestheader-extra-headers-prefix'),
    });
  } else {
    const stray = headerFlags.find((f) => values[`requestheader-${f}`] !== undefined);
    if (stray) throw new Error(`--requestheader-${stray} needs --requestheader-client-ca-file`);
  }
  const anonymous = values['anonymous-auth'];
  if (typeof anonymous === 'string') {
    if (!['true', 'false', '1', '0'].includes(anonymous.toLowerCase())) throw new Error(`--anonymous-auth must be true or false, got "${anonymous}"`);
    builder.withAnonymousAuth(anonymous.toLowerCase() === 'true' || anonymous === '1');
  }
  for (const file of strings('authorization-policy-file')) builder.withAuthorizationPolicy(file);
  const paths = list('authorization-always-allow-paths');
  if (paths !== undefined) builder.withAlwaysAllowPaths(paths);
  const groups = list('authorization-always-allow-groups');
  if (groups !== undefined) builder.withAlwaysAllowGroups(groups);
  const duration = (flag: string): number | undefined => (typeof values[flag] === 'string' ? parseGoDuration(flag, values[flag] as string) : undefined);
  const inCluster = values['in-cluster'] === true;
  const authnKubeconfig = values['authentication-kubeconfig'] as string | undefined;
  const authzKubeconfig = values['authorization-kubeconfig'] as string | undefined;
  if (authnKubeconfig !== undefined || inCluster) {
    builder.withDelegatedAuthentication({
      kubeconfig: authnKubeconfig,
      cacheTtlSeconds: duration('authentication-token-webhook-cache-ttl'),
      skipLookup: values['authentication-skip-lookup'] === true,
      tolerateLookupFailure: values['authentication-tolerate-lookup-failure'] === true,
    });
  } else {
    const stray = ['authentication-token-webhook-cache-ttl', 'authentication-skip-lookup', 'authentication-tolerate-lookup-failure'].find((f) => values[f] !== undefined);
    if (stray) throw new Error(`--${stray} needs --authentication-kubeconfig or --in-cluster`);
  }
  if (authzKubeconfig !== undefined || inCluster) {
    builder.withDelegatedAuthorization({
      kubeconfig: authzKubeconfig,
      allowedTtlSeconds: duration('authorization-webhook-cache-authorized-ttl'),
      deniedTtlSeconds: duration('authorization-webhook-cache-unauthorized-ttl'),
    });
  } else {
    const stray = ['authorization-webhook-cache-authorized-ttl', 'authorization-webhook-cache-unauthorized-ttl'].find((f) => values[f] !== undefined);
    if (stray) throw new Error(`--${stray} needs --authorization-kubeconfig or --in-cluster`);
  }
  const sans = list('tls-sans');
  if (sans !== undefined) builder.withServingHosts(sans);
}

/** The observability flags, onto the builder. */
function applyObservabilityFlags(builder: ServerBuilder, values: Record<string, string | boolean | string[] | undefined>): void {
  const count = (name: string, raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
    return Number(raw);
  };
  const options: Parameters<ServerBuilder['withObservability']>[0] = {};
  const format = values['log-format'];
  if (typeof format === 'string') {
    if (format !== 'text' && format !== 'json') throw new Error(`--log-format must be text or json, got "${format}"`);
    options.logFormat = format;
  }
  // `-v=3` arrives as "=3".
  if (typeof values.v === 'string') options.verbosity = count('v', values.v.replace(/^=/, ''));
  const reads = values['max-requests-inflight'];
  if (typeof reads === 'string') options.maxRequestsInflight = count('max-requests-inflight', reads);
  const writes = values['max-mutating-requests-inflight'];
  if (typeof writes === 'string') options.maxMutatingRequestsInflight = count('max-mutating-requests-inflight', writes);
  const delay = values['shutdown-delay-duration'];
  if (typeof delay === 'string') options.shutdownDelaySeconds = parseGoDuration('shutdown-delay-duration', delay);
  builder.withObservability(options);
  const policy = values['audit-policy-file'];
  if (typeof policy === 'string') builder.withAuditPolicy(policy);
  const auditPath = values['audit-log-path'];
  const rotation = { maxSizeMiB: 'audit-log-maxsize', maxBackups: 'audit-log-maxbackup', maxAgeDays: 'audit-log-maxage' } as const;
  const given = Object.values(rotation).find((f) => typeof values[f] === 'string');
  if (typeof auditPath === 'string') {
    const opts: Record<string, number> = {};
    for (const [key, flag] of Object.entries(rotation)) {
      const raw = values[flag];
      if (typeof raw === 'string') opts[key] = count(flag, raw);
    }
    builder.withAuditLog(auditPath, { ...opts, compress: values['audit-log-compress'] === true });
  } else if (given) throw new Error(`--${given} needs --audit-log-path`);
  else if (values['audit-log-compress'] === true) throw new Error('--audit-log-compress needs --audit-log-path');
}

/** A Go duration (`10s`, `1m30s`, `500ms`, `0`) in seconds. */
export function parseGoDuration(flag: string, text: string): number {
  if (text === '0') return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]!]!;
    at = re.lastIndex;
  }
  if (at === 0 || at !== text.length) throw new Error(`--${flag} must be a duration such as 10s or 1m30s, got "${text}"`);
  return total;
}

async function copyStorageCommand(argv: string[], out: OutputWriter): Promise<number> {
  const values = parseFlags(argv, COPY_HELP, {
    from: { type: 'string' },
    to: { type: 'string' },
    'if-exists': { type: 'string' },
    prefix: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (typeof values === 'number') return values;
  if (values.help) {
    out.write(COPY_HELP);
    return 0;
  }
  const from = values.from;
  const to = values.to;
  const ifExists = (values['if-exists'] ?? 'fail') as string;
  try {
    if (typeof from !== 'string' || typeof to !== 'string') throw new Error('copy-storage needs --from SPEC and --to SPEC');
    for (const [flag, spec] of [['--from', from], ['--to', to]] as const) {
      if (parseStorageSpec(spec).kind === 'memory') {
        throw new Error(`${flag} memory: a memory store lives only inside one process; name a file:, sqlite: or etcd: storage`);
      }
    }
    if (storageIdentity(from) === storageIdentity(to)) throw new Error(`--from and --to name the same storage (${from})`);
    if (!['fail', 'skip', 'overwrite'].includes(ifExists)) throw new Error(`--if-exists must be fail, skip or overwrite, got "${ifExists}"`);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n(copy-storage --help tells how to use it)\n`);
    return 2;
  }

  // Opening a store creates a missing file or folder: a mistyped source would copy nothing, silently.
  const source = parseStorageSpec(from);
  const missing = source.kind === 'file' ? source.root : source.kind === 'sqlite' ? source.path : undefined;
  if (missing !== undefined && !existsSync(missing)) {
    process.stderr.write(`error: --from ${from}: ${missing} does not exist\n`);
    return 1;
  }

  // Problems the stores find in their data (damaged files or rows) go to stderr; the source's
  // are counted, since the objects they name are not copied.
  let sourceProblems = 0;
  const stderr: OutputWriter = { write: (text) => process.stderr.write(text) };
  const countingStderr: OutputWriter = {
    write: (text) => {
      sourceProblems++;
      return process.stderr.write(text);
    },
  };
  const opened: ObjectStore[] = [];
  let done = 0;
  try {
    const fromStore = openStorage(from, countingStderr);
    opened.push(fromStore);
    const toStore = openStorage(to, stderr);
    opened.push(toStore);
    const result = await copyObjects(fromStore, toStore, {
      prefix: values.prefix as string | undefined,
      ifExists: ifExists as IfExists,
      onObject: () => {
        if (++done % 1000 === 0) out.write(`... ${done}\n`);
      },
    });
    const parts = [`copied ${result.copied} object${result.copied === 1 ? '' : 's'} from ${fromStore.name} to ${toStore.name}`];
    if (result.overwritten > 0) parts.push(`${result.overwritten} replaced`);
    if (result.skipped > 0) parts.push(`${result.skipped} already there and skipped`);
    out.write(`${parts.join('; ')} (source revision ${result.sourceRevision})\n`);
    out.write('the target assigned new resourceVersions: clients must re-list (restart controllers and informers)\n');
    if (sourceProblems > 0) {
      process.stderr.write(
        `error: the source reported ${sourceProblems} problem${sourceProblems === 1 ? '' : 's'} with its data (above); ` +
          'everything readable was copied, damaged objects named there were not\n',
      );
      return 1;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
  }
}

function parseFlags(argv: string[], help: string, options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as Record<
      string,
      string | boolean | string[] | undefined
    >;
  } catch (err) {
    return usageError((err as Error).message, help);
  }
}

function usageError(message: string, help: string): number {
  process.stderr.write(`error: ${message}\n\n${help}`);
  return 2;
}
