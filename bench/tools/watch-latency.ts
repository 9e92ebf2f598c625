/**
 * Write-to-event latency of the kit alone (memory storage), for checking a change to the watch
 * path without the whole watch suite: W watchers, R writes per second, for MS milliseconds.
 *
 *   npx tsx bench/tools/watch-latency.ts [--watchers 100] [--rate 1000] [--ms 5000]
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/tools/watch-latency.ts    # with a profile of the server
 */
import { parseArgs } from 'node:util';
import { latencyRun } from '../suites/watch-fanout.suite.js';
import { ChildServer } from '../support/child-process-server.js';
import { currentResourceVersion, portOf } from '../support/kit-http.js';
import { WIDGETS_PATH } from '../support/widget-body.js';

const { values } = parseArgs({
  options: { watchers: { type: 'string', default: '100' }, rate: { type: 'string', default: '1000' }, ms: { type: 'string', default: '5000' } },
});
const kit = await ChildServer.start('servers/kit-server.ts', { storage: 'memory' }, { execArgv: (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean) });
try {
  const port = portOf(kit.ready.url);
  const side = { name: 'kit' as const, port, server: kit.server, watchPath: async () => `${WIDGETS_PATH}?watch=true&resourceVersion=${await currentResourceVersion(port)}` };
  // A short run first, so that the measured one runs compiled code.
  await latencyRun(side, Number(values.watchers), Number(values.rate), 1000);
  const l = await latencyRun(side, Number(values.watchers), Number(values.rate), Number(values.ms));
  console.log(
    `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms; server at ${(l.serverCpu * 100).toFixed(0)}% ` +
      `and load generator at ${(l.clientCpu * 100).toFixed(0)}% of a core; ${l.lost} lost, ${l.late} late, ${l.failed} failed`,
  );
} finally {
  await kit.server.stop();
}
