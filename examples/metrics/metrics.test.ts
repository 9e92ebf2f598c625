/**
 * The metrics example over HTTPS: list and get computed on read, writes refused, and the
 * table columns kubectl shows.
 */
import { expect } from 'chai';
import { request } from 'node:https';
import { cpus } from 'node:os';
import { ApiError, connect } from 'apiserver-kit/client';
import { startServer, waitFor, type StartedServer } from 'apiserver-kit/testing';
import { CoreMetrics } from './core-metrics.js';
import { withCoreMetrics } from './server.js';

function getTable(server: StartedServer, path: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { ca: server.ca, headers: { authorization: `Bearer ${server.token}`, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('example: a metrics-server style read-only type', () => {
  let server: StartedServer;
  before(async () => {
    server = await startServer(withCoreMetrics);
  });
  after(() => server?.stop());

  it('lists and gets values computed on each read', async () => {
    const client = connect({ kubeconfig: server.kubeconfig });
    const metrics = client.resource(CoreMetrics);
    const list = await metrics.list();
    expect(list.items.map((m) => m.metadata.name)).to.have.members(cpus().map((_, i) => `cpu${i}`));
    const first = await metrics.get('cpu0');
    await new Promise((r) => setTimeout(r, 5));
    const again = await metrics.get('cpu0');
    expect(again.status!.timestamp > first.status!.timestamp).to.equal(true);
    // The kernel counts CPU time in ticks: keep a core busy until the counted time moves.
    const busy = (l: typeof list) => l.items.reduce((n, m) => n + m.status!.userMs + m.status!.systemMs, 0);
    await waitFor(
      async () => {
        const spin = Date.now() + 50;
        while (Date.now() < spin);
        return busy(await metrics.list()) > busy(list);
      },
      { timeoutMs: 5000, what: 'the CPU time read to grow' },
    );
    const missing = await metrics.get('cpu9999').catch((e: unknown) => e);
    expect((missing as ApiError).reason).to.equal('NotFound');
    client.close();
  });

  it('refuses writes with 405 MethodNotAllowed', async () => {
    const client = connect({ kubeconfig: server.kubeconfig });
    const err = await client
      .resource(CoreMetrics)
      .create({ metadata: { name: 'cpu0' } } as never)
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ApiError);
    expect((err as ApiError).code).to.equal(405);
    client.close();
  });

  it('answers a Table with its printer columns', async () => {
    const { status, body } = await getTable(server, '/apis/metrics.example.com/v1beta1/coremetrics');
    expect(status).to.equal(200);
    expect(body.kind).to.equal('Table');
    const columns = body.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}/${c.priority}`);
    expect(columns.slice(0, 5)).to.deep.equal(['Name/0', 'Model/0', 'Busy/0', 'User(ms)/0', 'System(ms)/1']);
    expect(body.rows).to.have.length(cpus().length);
    expect(body.rows[0].cells[1]).to.equal(cpus()[0]!.model);
  });
});
