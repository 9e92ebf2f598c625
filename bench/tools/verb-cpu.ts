/**
 * CPU per create or per GET of the kit (memory storage, or a handler) and of bare Koa, in
 * longer alternating rounds than `npm run bench` uses: for checking a change to one path.
 *
 *   npx tsx bench/tools/verb-cpu.ts [--verb create|get] [--kit memory|handler] [--rounds N] [--ms MS]
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/tools/verb-cpu.ts --verb create   # with a profile of the kit
 */
import { parseArgs } from 'node:util';
import { ChildServer } from '../support/child-process-server.js';
import { getBody, portOf } from '../support/kit-http.js';
import { WIDGETS_PATH } from '../support/widget-body.js';
import { createLoad, getLoad } from '../support/widget-loads.js';

const { values } = parseArgs({
  options: {
    verb: { type: 'string', default: 'get' },
    kit: { type: 'string', default: 'memory' },
    rounds: { type: 'string', default: '4' },
    ms: { type: 'string', default: '3000' },
  },
});
const rounds = Number(values.rounds);
const ms = Number(values.ms);
const objects = 1000;
const load = values.verb === 'create' ? (port: number, t: number) => createLoad(port, t, 64) : (port: number, t: number) => getLoad(port, t, 64, objects);

const kit = await ChildServer.start('servers/kit-server.ts', { storage: values.kit }, { execArgv: (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean) });
const koa = await ChildServer.start('servers/bare-koa-server.ts', {});
try {
  const kitPort = portOf(kit.ready.url);
  const koaPort = portOf(koa.ready.url);
  if (values.verb === 'get') {
    await kit.server.call({ op: 'preload', upTo: objects });
    const listed = await getBody(kitPort, `${WIDGETS_PATH}?labelSelector=bench%3Dpreload`);
    await koa.server.call({ op: 'load', items: (JSON.parse(listed.body.toString('utf8')) as { items: unknown[] }).items });
  }
  for (const port of [kitPort, koaPort]) await load(port, 1500);
  const sides = [
    { name: `kit (${values.kit})`, server: kit.server, port: kitPort, cpu: [] as number[], rps: [] as number[] },
    { name: 'koa', server: koa.server, port: koaPort, cpu: [] as number[], rps: [] as number[] },
  ];
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 ? [...sides].reverse() : sides) {
      const r = await side.server.measureCpu(() => load(side.port, ms), (x) => x.requests);
      side.cpu.push(r.serverCpuUs);
      side.rps.push(r.perSecond);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const s of sides) {
    console.log(`${s.name}: ${median(s.cpu).toFixed(1)} us CPU per ${values.verb}, ${median(s.rps).toFixed(0)} req/s (cpu ${s.cpu.map((c) => c.toFixed(0)).join(' ')})`);
  }
  console.log(`throughput ratio ${(median(sides[0]!.rps) / median(sides[1]!.rps)).toFixed(2)}, CPU ratio ${(median(sides[1]!.cpu) / median(sides[0]!.cpu)).toFixed(2)}`);
} finally {
  await Promise.all([kit.server.stop(), koa.server.stop()]);
}
