import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ServerBuilder } from './server-builder.js';

const HELP = `Serves the API server.

Flags:
  --bind-address ADDR         address to listen on (default 127.0.0.1)
  --secure-port PORT          port to serve HTTPS on; 0 picks a free port (default 6443)
  --cert-dir DIR              where a self-signed certificate is kept when no files are given
                              (default .apiserver-kit/certs)
  --tls-cert-file FILE        serving certificate (PEM)
  --tls-private-key-file FILE serving key (PEM)
  --token TOKEN               require this bearer token (may be repeated)
  --storage SPEC              default storage: memory | file:DIR | sqlite:FILE[?synchronous=FULL]
                              (default sqlite:.apiserver-kit/apiserver.db)
  --write-kubeconfig FILE     write a kubeconfig for this server (URL, CA, token) once serving
  --help                      print this text
`;

/**
 * Applies command-line flags on top of a builder, starts the server, prints one line
 * `serving on https://HOST:PORT` when ready, and stops gracefully on SIGINT or SIGTERM.
 * Resolves with the process exit code.
 */
export async function executeCommand(builder: ServerBuilder, argv: string[]): Promise<number> {
  const out = builder.currentConfig().output;
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'bind-address': { type: 'string' },
        'secure-port': { type: 'string' },
        'cert-dir': { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-private-key-file': { type: 'string' },
        token: { type: 'string', multiple: true },
        storage: { type: 'string' },
        'write-kubeconfig': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
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
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 2;
  }

  if (typeof values['write-kubeconfig'] === 'string' && builder.currentConfig().bearerTokens.length === 0) {
    // A kubeconfig without credentials makes kubectl prompt over HTTPS: mint a token.
    builder.withBearerToken(randomBytes(24).toString('base64url'));
  }
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

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      out.write(`received ${signal}, shutting down\n`);
      resolve();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await server.stop();
  return 0;
}
