import type { ObservedRequest, RequestObservation, RequestObserver, RequestOutcome } from '../../ports/request-observer.port.js';
import type { Logger } from './logger.js';

/** kube-apiserver writes its per-request line (httplog) at `-v=3`. */
export const REQUEST_LOG_LEVEL = 3;

/** Query parameters whose values are never written: anything that may carry a credential. */
const SECRET_PARAM = /token|secret|password|passwd|credential|auth|key|signature/i;

/**
 * One line per request, as kube-apiserver's httplog: `"HTTP" verb="GET" URI="/api/v1/..."
 * latency="1.2ms" userAgent="kubectl/v1.31" audit-ID="..." srcIP="127.0.0.1" resp=200`, plus the
 * user and the response size. Written at `-v=3` and above (5xx answers are also reported with
 * their cause, whatever the level). Never writes headers or bodies; query values that could
 * carry a credential are replaced by `REDACTED`.
 */
export class RequestLog implements RequestObserver {
  constructor(
    private readonly logger: Logger,
    private readonly level = REQUEST_LOG_LEVEL,
  ) {}

  begin(req: ObservedRequest): RequestObservation | undefined {
    if (!this.logger.enabled(this.level)) return undefined;
    return {
      end: (outcome: RequestOutcome) => {
        this.logger.info(this.level, 'HTTP', {
          verb: verbOf(req),
          URI: safeUri(req.path, req.query),
          user: outcome.user?.username,
          latency: formatLatency(outcome.durationSeconds),
          userAgent: req.userAgent,
          'audit-ID': req.auditId,
          srcIP: req.remoteAddress,
          resp: outcome.code,
          bytes: outcome.responseBytes,
        });
      },
    };
  }
}

/** The verb httplog names: the request info's (LIST, WATCH, ...) for resource requests, the method otherwise. */
function verbOf(req: ObservedRequest): string {
  const a = req.attributes;
  if (!a.resourceRequest) return req.method;
  return a.verb === 'watch' ? 'WATCH' : a.verb.toUpperCase();
}

/** The request URI with credential-like query values redacted. */
export function safeUri(path: string, query: string): string {
  if (query === '') return path;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    let key = rawKey;
    try {
      key = decodeURIComponent(rawKey.replaceAll('+', ' '));
    } catch {
      // keep the raw key
    }
    return eq >= 0 && SECRET_PARAM.test(key) ? `${rawKey}=REDACTED` : part;
  });
  return `${path}?${parts.join('&')}`;
}

/** Go's time.Duration text, as httplog prints latency: `850µs`, `1.234567ms`, `2.5s`. */
function formatLatency(seconds: number): string {
  if (seconds < 1e-3) return `${Math.round(seconds * 1e6)}µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(6).replace(/\.?0+$/, '')}ms`;
  return `${seconds.toFixed(6).replace(/\.?0+$/, '')}s`;
}
