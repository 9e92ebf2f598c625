import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/** How the extension server reaches the main API server (a kubeconfig's, or the pod's service account). */
export interface MainServerConnection {
  /** `https://HOST:PORT`. */
  url: string;
  /** PEM of the CA to trust; the system's CAs when absent. */
  ca?: string;
  insecureSkipTlsVerify?: boolean;
  token?: string;
  /** A file to read the token from before each request (a service account's token rotates). */
  tokenFile?: string;
  cert?: string;
  key?: string;
}

/** One answer of the main server: its status code and the body, parsed when it is JSON. */
export interface MainServerAnswer {
  status: number;
  body: unknown;
}

/** The longest answer read (a review or a ConfigMap is a few KiB; garbage is cut off). */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * A small JSON client of the main API server, for the reviews and the ConfigMap lookup: every
 * call has a deadline, after which it is aborted and fails; an answer that is not JSON, or too
 * long, fails too. It never retries (the callers decide what a failure means).
 */
export class MainServerClient {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(readonly connection: MainServerConnection) {
    this.base = new URL(connection.url);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') throw new Error(`the main API server URL ${connection.url} is not http(s)`);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: connection.ca,
            cert: connection.cert,
            key: connection.key,
            rejectUnauthorized: !connection.insecureSkipTlsVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  /** Sends one request; rejects on a network failure, the deadline, or an answer that is not JSON. */
  request(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<MainServerAnswer> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'apiserver-kit-delegation' };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<MainServerAnswer>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      const req = lib.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) fail(new Error(`${method} ${path}: the answer is longer than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('error', (err) => fail(err));
        res.on('end', () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            fail(new Error(`${method} ${path}: the answer (HTTP ${res.statusCode}) is not JSON`));
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', (err) => fail(err));
      req.end(payload);
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private token(): string | undefined {
    if (this.connection.tokenFile !== undefined) {
      try {
        return readFileSync(this.connection.tokenFile, 'utf8').trim();
      } catch {
        return this.connection.token;
      }
    }
    return this.connection.token;
  }
}
