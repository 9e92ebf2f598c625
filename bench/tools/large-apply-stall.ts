/**
 * How long one large server-side apply holds every other client up (issue 19's large-apply
 * stall): a probe GETs a small widget every 10 ms on its own keep-alive connection, first with
 * nothing else running (the baseline), then while another connection applies status bodies of
 * about 1, 2 and 2.9 MiB (the request limit is 3 MiB) (map-list conditions, forced, two managers taking them in turn). The kit
 * runs in a child process (memory storage, plain HTTP), so the probe measures the server's
 * event loop, not its own.
 *
 *   npx tsx bench/tools/large-apply-stall.ts [--rounds 3]
 *   BENCH_CHILD_ARGS='--cpu-prof --cpu-prof-dir=DIR' npx tsx bench/tools/large-apply-stall.ts   # with a profile of the server
 *
 * Prints the probe's p99 and max in both phases, each apply's duration, and
 * `ratio large-apply-probe-p99-ms VALUE target <=250`.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { ChildServer } from '../support/child-process-server.js';
import { portOf } from '../support/kit-http.js';
import { summarize } from '../support/latency-stats.js';
import { WIDGETS_PATH } from '../support/widget-body.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);

function send(port: number, agent: Agent, method: string, path: string, body?: string, type = 'application/json'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': type } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A status apply of about `bytes`, in conditions of about 150 bytes each. */
function statusBody(bytes: number, round: number): string {
  const n = Math.floor(bytes / JSON.stringify({ type: 'Check10000', status: 'True', reason: 'Measured', message: ''.padEnd(100, 'x') }).length);
  const conditions = Array.from({ length: n }, (_, i) => ({ type: `Check${i}`, status: 'True', reason: 'Measured', message: `round ${round} `.padEnd(100, 'x') }));
  return JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'big' }, status: { conditions } });
}

const kit = await ChildServer.start('servers/kit-server.ts', { storage: 'memory' }, { execArgv: (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean) });
try {
  const port = portOf(kit.ready.url);
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const applyAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (const name of ['probe', 'big']) {
    const r = await send(port, applyAgent, 'POST', WIDGETS_PATH, JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name }, spec: {} }));
    if (r.status !== 201) throw new Error(`create ${name}: ${r.status} ${r.text.slice(0, 200)}`);
  }

  /** Probes every 10 ms until `until` settles; returns the latencies. */
  async function probe(until: Promise<unknown>): Promise<number[]> {
    let done = false;
    void until.finally(() => (done = true));
    const samples: number[] = [];
    while (!done) {
      const t0 = performance.now();
      const r = await send(port, probeAgent, 'GET', `${WIDGETS_PATH}/probe`);
      if (r.status !== 200) throw new Error(`probe: ${r.status}`);
      samples.push(performance.now() - t0);
      await new Promise((res) => setTimeout(res, 10));
    }
    return samples;
  }

  const idle = summarize(await probe(new Promise((res) => setTimeout(res, 3000))));
  const applies: string[] = [];
  const applying = (async () => {
    for (let round = 0; round < rounds; round++) {
      for (const mib of [1, 2, 2.9]) {
        const body = statusBody(mib * 1024 * 1024, round);
        const t0 = performance.now();
        const r = await send(port, applyAgent, 'PATCH', `${WIDGETS_PATH}/big/status?fieldManager=m${round % 2}&force=true`, body, 'application/apply-patch+yaml');
        if (r.status !== 200) throw new Error(`apply: ${r.status} ${r.text.slice(0, 300)}`);
        applies.push(`${(body.length / 1048576).toFixed(2)} MiB ${(performance.now() - t0).toFixed(0)} ms`);
      }
    }
  })();
  const busy = summarize(await probe(applying));
  await applying;
  console.log(`abs probe-idle p50 ${idle.p50.toFixed(1)} ms p99 ${idle.p99.toFixed(1)} ms max ${idle.max.toFixed(1)} ms (${idle.count} probes)`);
  console.log(`abs probe-during-applies p50 ${busy.p50.toFixed(1)} ms p99 ${busy.p99.toFixed(1)} ms max ${busy.max.toFixed(1)} ms (${busy.count} probes)`);
  console.log(`abs applies ${applies.join(', ')}`);
  console.log(`ratio large-apply-probe-p99-ms ${busy.p99.toFixed(0)} target <=250`);
  probeAgent.destroy();
  applyAgent.destroy();
} finally {
  await kit.server.stop();
}
