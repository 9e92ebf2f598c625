/**
 * Large writes over reused keep-alive connections, as kubectl and client-go send them: 3,000
 * POSTs of 16 KiB bodies on a few HTTPS sockets to the example server in its own process, per
 * store, with no connection reset. (The client runs in another process than the server, as in
 * real use: in one process the client's turns slow the server's down and hide the fault.)
 */
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { expect } from 'chai';
import { scratchDir } from '../app/fixtures/demo-objects.js';
import { ServerProcess } from './support/server-process.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';
const WRITES = 3000;
const SOCKETS = 4;

function post(agent: Agent, url: URL, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: WIDGETS, method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end(body);
  });
}

describe('e2e: large writes over keep-alive connections', function () {
  this.timeout(60_000);
  const stores = [
    { name: 'memory', spec: (_dir: string) => 'memory' },
    { name: 'sqlite', spec: (dir: string) => `sqlite:${join(dir, 'apiserver.db')}` },
    { name: 'file', spec: (dir: string) => `file:${join(dir, 'data')}` },
  ];
  for (const store of stores) {
    // SQLite still fails (issue 19, item 1: "Parse Error: Paused", hundreds of hang-ups on
    // HTTPS); it is skipped until the fix lands. Run with KEEPALIVE_SQLITE=1 to see it fail.
    const run = store.name === 'sqlite' && process.env.KEEPALIVE_SQLITE !== '1' ? it.skip : it;
    run(`${store.name}: ${WRITES} POSTs of 16 KiB on ${SOCKETS} reused sockets, none reset`, async () => {
      const tmp = await scratchDir();
      let server: ServerProcess | undefined;
      let agent: Agent | undefined;
      try {
        server = await ServerProcess.start({ storage: store.spec(tmp.dir), dir: tmp.dir });
        agent = new Agent({ keepAlive: true, maxSockets: SOCKETS, ca: server.ca });
        const url = new URL(server.url);
        const token = server.token;
        const filler = 'x'.repeat(16 * 1024);
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < WRITES) {
            const i = next++;
            const body = JSON.stringify({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: `w-${i}`, annotations: { filler } }, spec: { color: 'red', replicas: 1 } });
            try {
              const status = await post(agent!, url, token, body);
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
            } catch (err) {
              failures.push(`w-${i}: ${(err as Error).message}`);
            }
          }
        };
        await Promise.all(Array.from({ length: SOCKETS * 2 }, worker));
        expect(failures, failures.slice(0, 5).join('\n')).to.deep.equal([]);
        expect(Object.fromEntries(statuses)).to.deep.equal({ 201: WRITES });
        expect(server.output()).to.not.contain('Parse Error');
      } finally {
        agent?.destroy();
        await server?.kill();
        await tmp.cleanup();
      }
    });
  }
});
