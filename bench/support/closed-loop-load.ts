import { summarize, SampleBuffer, type LatencySummary } from './latency-stats.js';
import { RawHttpConnection } from './raw-http-connection.js';

export interface LoadOptions {
  port: number;
  /** Requests in flight: one keep-alive connection each. */
  connections: number;
  durationMs: number;
  /** Stop after this many requests even if time is left. */
  maxRequests?: number;
  /** The bytes of request number `seq` sent on connection `conn`. */
  request: (seq: number, conn: number) => Buffer;
  /** Status codes that count as success (default: any 2xx). */
  ok?: (status: number) => boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first unexpected status, to say what went wrong. */
  firstError: string | undefined;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
}

/**
 * A closed loop: each connection sends its next request when its previous response is in,
 * until the time or the request budget is used up. The kit and its baseline get exactly this
 * client with the same settings, so client cost weighs the same on both sides.
 */
export async function closedLoopLoad(o: LoadOptions): Promise<LoadResult> {
  const conns = Array.from({ length: o.connections }, () => new RawHttpConnection(o.port));
  await Promise.all(conns.map((c) => c.ready()));
  const ok = o.ok ?? ((s: number) => s >= 200 && s < 300);
  const latencies = new SampleBuffer();
  const max = o.maxRequests ?? Infinity;
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + o.durationMs;
  try {
    await Promise.all(
      conns.map(async (conn, ci) => {
        while (issued < max && performance.now() < deadline) {
          const seq = issued++;
          const t0 = performance.now();
          const res = await conn.request(o.request(seq, ci));
          latencies.push(performance.now() - t0);
          if (!ok(res.status)) {
            errors++;
            firstError ??= `HTTP ${res.status}`;
          }
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { requests: latencies.length, errors, firstError, seconds, perSecond: latencies.length / seconds, latency: summarize(latencies.values()) };
}
