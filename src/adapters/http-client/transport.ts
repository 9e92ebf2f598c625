import http from 'node:http';
import https from 'node:https';
import { ApiError, type StatusReason } from '../../domain/errors/api-error.js';

export interface TransportOptions {
  url: string;
  token?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
  userAgent?: string;
  /** Called with each `Warning` header the server sends. */
  onWarning?: (warning: string) => void;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/**
 * HTTP(S) to one server: JSON in, JSON out, failures as the ApiError their Status describes.
 * Keeps connections alive, so that an informer's lists and watches reuse them.
 */
export class Transport {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: TransportOptions) {
    this.base = new URL(options.url);
    const tls = this.base.protocol === 'https:';
    this.agent = tls
      ? new https.Agent({
          keepAlive: true,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.cert ? { cert: options.cert } : {}),
          ...(options.key ? { key: options.key } : {}),
          rejectUnauthorized: !options.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
  }

  /** Closes idle connections; the transport can still be used afterwards. */
  close(): void {
    this.agent.destroy();
  }

  url(path: string, query?: HttpRequest['query']): URL {
    const u = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** One request; resolves with the parsed JSON body of a 2xx answer. */
  async json(req: HttpRequest): Promise<unknown> {
    const res = await this.open(req);
    const text = await readAll(res);
    if ((res.statusCode ?? 0) >= 300) throw errorFromResponse(res.statusCode ?? 0, text);
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError('InternalError', 500, `the server answered ${req.method} ${req.path} with a body that is not JSON`);
    }
  }

  /** Opens a request and resolves at its response headers, failing on non-2xx answers. */
  async stream(req: HttpRequest): Promise<http.IncomingMessage> {
    const res = await this.open(req);
    if ((res.statusCode ?? 0) >= 300) throw errorFromResponse(res.statusCode ?? 0, await readAll(res));
    return res;
  }

  private open(req: HttpRequest): Promise<http.IncomingMessage> {
    const u = this.url(req.path, req.query);
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'apiserver-kit-client',
    };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    if (body) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const lib = u.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = lib.request(u, { method: req.method, headers, agent: this.agent, signal: req.signal }, (res) => {
        const warnings = res.headers.warning;
        if (warnings && this.options.onWarning) {
          for (const w of String(warnings).split(/,(?=\s*\d{3} )/)) this.options.onWarning(parseWarning(w));
        }
        resolve(res);
      });
      r.on('error', reject);
      r.end(body);
    });
  }
}

/** `299 - "text"` → `text`. */
function parseWarning(header: string): string {
  const m = /^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/.exec(header);
  return m ? m[1].replace(/\\(.)/g, '$1') : header.trim();
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The ApiError a Status body (or, from a server that sends none, the HTTP code) describes. */
export function errorFromStatus(status: Record<string, unknown>, httpCode?: number): ApiError {
  const code = typeof status.code === 'number' ? status.code : (httpCode ?? 500);
  const reason = (typeof status.reason === 'string' && status.reason ? status.reason : (REASON_BY_CODE[code] ?? 'Unknown')) as StatusReason;
  const message = typeof status.message === 'string' ? status.message : `the server answered ${code}`;
  const meta = status.metadata as { continue?: string } | undefined;
  const listMeta = meta?.continue ? { listMeta: { continue: meta.continue } } : undefined;
  return new ApiError(reason, code, message, status.details as ApiError['details'], listMeta);
}

function errorFromResponse(httpCode: number, text: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object' && (body as { kind?: unknown }).kind === 'Status') {
    return errorFromStatus(body as Record<string, unknown>, httpCode);
  }
  return errorFromStatus({ code: httpCode, message: text.trim() || `the server answered ${httpCode}` }, httpCode);
}
