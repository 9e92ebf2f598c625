import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Container } from 'inversify';
import { HTTP_TRANSPORT, type HttpTransport } from '../adapters/http/index.js';
import { DEFAULT_SERVING_HOSTS, ensureServingCertificate } from '../adapters/http/tls/serving-certificate.js';
import { InProcessClient, type InProcessClientOptions } from '../adapters/in-process/in-process-client.js';
import { RESOURCE_API, type ResourceApi } from '../ports/resource-api.port.js';
import { isStorageError } from '../ports/object-store.port.js';
import { clientCertificateAuthorities, startAuthenticationLookup } from './access-bindings.js';
import { buildContainer } from './container.js';
import { writeKubeconfigFile } from './kubeconfig.js';
import type { ServerConfig } from './server-config.js';

/** How long stop() lets open requests finish before it cuts their connections. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * A composed server. Its resource API is usable at once, in process (`client()`); `start()`
 * also serves it over HTTPS (or HTTP when built with withInsecureServing).
 */
export class ApiServer {
  readonly container: Container;
  readonly api: ResourceApi;
  private http: HttpServer | undefined;
  private caPem: string | undefined;
  private serverUrl: string | undefined;
  private stopping: Promise<void> | undefined;
  /** Connections that have not carried a request yet (clients open spares ahead of need). */
  private readonly unused = new Set<Socket>();

  /** Builds this server's own container (nothing is shared with another server) and its API. */
  constructor(readonly config: ServerConfig) {
    this.container = buildContainer(config);
    this.api = this.container.get<ResourceApi>(RESOURCE_API);
  }

  /** A client of this server's resource API that needs no HTTP. */
  client(options?: InProcessClientOptions): InProcessClient {
    return new InProcessClient(this.api, options);
  }

  /** `https://HOST:PORT` once started. */
  get url(): string | undefined {
    return this.serverUrl;
  }

  /** The PEM of the CA clients should trust, once started with TLS. */
  get caCertificate(): string | undefined {
    return this.caPem;
  }

  /** Checks storage, binds the port and serves. Resolves with the URL once listening. */
  async start(): Promise<{ url: string }> {
    if (this.http) throw new Error('the server is already started');
    await this.api.ready().catch((err: unknown) => {
      // A store that found its data damaged serves what it can read and refuses writes; readyz
      // says why. Serving lets an operator read (and copy) what is left.
      if (!isStorageError(err, 'Damaged')) throw err;
    });
    const transport = this.container.get<HttpTransport>(HTTP_TRANSPORT);
    // The CAs of kube-system/extension-apiserver-authentication come and go with the ConfigMap.
    const lookup = await startAuthenticationLookup(this.container, this.config);
    const tls = this.config.tls;
    let server: HttpServer;
    let scheme: 'http' | 'https';
    if (tls.kind === 'none') {
      server = createHttpServer(transport.requestListener);
      scheme = 'http';
    } else {
      let cert: string;
      let key: string;
      if (tls.kind === 'files') {
        [cert, key] = await Promise.all([readFile(tls.certFile, 'utf8'), readFile(tls.keyFile, 'utf8')]);
        this.caPem = cert;
      } else {
        const generated = await ensureServingCertificate(tls.certDir, tls.hosts?.length ? { hosts: [...DEFAULT_SERVING_HOSTS, ...tls.hosts] } : {});
        cert = generated.cert;
        key = generated.key;
        this.caPem = generated.ca;
      }
      // With client CAs, TLS asks for (never requires) a client certificate, naming those CAs;
      // each authenticator verifies the certificate against its own CA per request.
      const localCas = clientCertificateAuthorities(this.container).flatMap((ca) => ca.pem);
      const clientCas = [...localCas, ...(lookup?.caPems ?? [])];
      const clientAuth = clientCas.length > 0 || lookup ? { requestCert: true, rejectUnauthorized: false, ca: clientCas.length > 0 ? clientCas : undefined } : {};
      const httpsServer = createHttpsServer({ cert, key, ...clientAuth }, transport.requestListener);
      lookup?.changeListeners.push(() => {
        const cas = [...localCas, ...lookup.caPems];
        httpsServer.setSecureContext({ cert, key, ca: cas.length > 0 ? cas : undefined });
      });
      server = httpsServer as unknown as HttpServer;
      scheme = 'https';
    }
    // closeIdleConnections leaves connections that never carried a request: stop closes those itself.
    server.on(scheme === 'https' ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.unused.add(socket);
      socket.once('close', () => this.unused.delete(socket));
    });
    server.on('request', (req: { socket: Socket }) => this.unused.delete(req.socket));
    // Watches are long-lived: no request timeout, and keep-alive so informers reuse connections.
    server.requestTimeout = 0;
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.bindPort, this.config.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.http = server;
    const port = (server.address() as AddressInfo).port;
    const host = clientHost(this.config.bindAddress);
    this.serverUrl = `${scheme}://${host}:${port}`;
    return { url: this.serverUrl };
  }

  /** Writes a kubeconfig for this server: URL, CA and the first bearer token. */
  async writeKubeconfig(path: string): Promise<void> {
    if (!this.serverUrl) throw new Error('start the server before writing its kubeconfig');
    await writeKubeconfigFile(path, { server: this.serverUrl, caPem: this.caPem, token: this.config.bearerTokens[0]?.token });
  }

  /**
   * With a shutdown delay, first fails `/readyz` for that long while still serving. Then ends
   * open watches, stops accepting connections, lets open requests finish (briefly), then
   * unbinds the container, which closes every backing store it opened or was given. Safe to
   * call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const server = this.http;
    if (server) {
      const transport = this.container.get<HttpTransport>(HTTP_TRANSPORT);
      // --shutdown-delay-duration: readyz fails first, requests are still served meanwhile.
      const delayMs = this.config.observability.shutdownDelaySeconds * 1000;
      if (delayMs > 0) {
        transport.beginShutdown();
        await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
      }
      await transport.closeWatches();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
        for (const socket of this.unused) socket.destroy();
      });
    }
    await this.container.unbindAllAsync();
  }
}

/** The address clients use to reach a bind address: wildcards mean this machine. */
function clientHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1';
  if (bind === '::') return '[::1]';
  return bind.includes(':') ? `[${bind}]` : bind;
}
