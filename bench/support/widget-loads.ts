/** The two loads most figures are made of, identical for the kit and its baselines. */
import { closedLoopLoad, type LoadResult } from './closed-loop-load.js';
import { requestBytes } from './raw-http-connection.js';
import { WIDGETS_PATH, widgetJson } from './widget-body.js';

/** Names stay unique across the run: a server may see several create loads. */
let runId = 0;

/** Creates of fresh names for `ms` on the server at `port`. */
export function createLoad(port: number, ms: number, connections: number): Promise<LoadResult> {
  const prefix = `load-${++runId}`;
  return closedLoopLoad({
    port,
    connections,
    durationMs: ms,
    request: (seq) => requestBytes('POST', WIDGETS_PATH, widgetJson(`${prefix}-${seq}`)),
  });
}

/** Gets of `count` preloaded objects (obj-0 ..), round robin, for `ms`. */
export function getLoad(port: number, ms: number, connections: number, count: number): Promise<LoadResult> {
  const requests = Array.from({ length: count }, (_, i) => requestBytes('GET', `${WIDGETS_PATH}/obj-${i}`));
  return closedLoopLoad({ port, connections, durationMs: ms, request: (seq) => requests[seq % count]! });
}
