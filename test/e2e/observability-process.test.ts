/**
 * The example server as `npm start` runs it (a minted token, HTTPS, SQLite), in its own
 * process, with the observability flags: /metrics open only to the minted token, the storage
 * size measured, the audit log written; then SIGTERM with --shutdown-delay-duration: readyz
 * fails and requests are still served, the open watch ends cleanly, the process exits 0 with
 * the store closed; no log holds the token.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpsCall, ServerProcess } from './support/server-process.js';

const WIDGETS = '/apis/demo.example.com/v1/namespaces/default/widgets';
const widget = (name: string) => ({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name }, spec: { color: 'blue', replicas: 1 } });

describe('e2e: observability of the example server process', function () {
  this.timeout(45_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'obs-process-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves /metrics to the minted token only, audits, and shuts down as Kubernetes does', async () => {
    const db = join(dir, 'apiserver.db');
    const auditLog = join(dir, 'audit.log');
    writeFileSync(join(dir, 'audit.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: None\n    nonResourceURLs: ["/readyz*"]\n  - level: Metadata\n');
    const server = await ServerProcess.start({
      storage: `sqlite:${db}`,
      dir,
      args: ['--shutdown-delay-duration', '1500ms', '-v=3', '--audit-policy-file', join(dir, 'audit.yaml'), '--audit-log-path', auditLog],
    });
    let exited = false;
    try {
      const client = server.client();
      const anon = { url: server.url, ca: server.ca, token: '' };
      const other = { ...anon, token: 'not-the-minted-token' };
      expect((await httpsCall(anon, 'GET', '/metrics', undefined, { timeoutMs: 10_000 })).status).to.equal(401);
      expect((await httpsCall(other, 'GET', '/metrics', undefined, { timeoutMs: 10_000 })).status).to.equal(401);
      expect((await client.call('POST', WIDGETS, widget('w1'))).status).to.equal(201);
      const metrics = await client.get('/metrics');
      expect(metrics.status).to.equal(200);
      const size = new RegExp(`apiserver_storage_size_bytes\\{storage_cluster_id="sqlite:${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\} (\\d+)`).exec(metrics.body);
      expect(size, 'apiserver_storage_size_bytes of the SQLite store').to.not.equal(null);
      expect(Number(size![1])).to.be.greaterThan(4096);
      expect(metrics.body).to.match(/apiserver_request_total\{verb="POST",dry_run="",group="demo.example.com",version="v1",resource="widgets",subresource="",scope="resource",component="apiserver",code="201"\} 1/);

      expect(existsSync(`${db}-wal`), 'the write-ahead log while serving').to.equal(true);
      const watch = await client.watch(WIDGETS, '0');
      expect(watch.status).to.equal(200);
      await watch.until((lines) => lines.length >= 1);
      const sigtermAt = Date.now();
      process.kill(server.pid, 'SIGTERM');
      // During the delay: readyz fails, livez holds, requests are served, the watch stays open.
      let ready = await httpsCall(anon, 'GET', '/readyz?verbose', undefined, { timeoutMs: 10_000 });
      for (let i = 0; ready.status === 200 && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 20));
        ready = await httpsCall(anon, 'GET', '/readyz?verbose', undefined, { timeoutMs: 10_000 });
      }
      expect(ready.status).to.equal(500);
      expect(ready.body).to.contain('[-]shutdown failed');
      expect((await httpsCall(anon, 'GET', '/livez', undefined, { timeoutMs: 10_000 })).status).to.equal(200);
      expect((await client.call('POST', WIDGETS, widget('late'))).status).to.equal(201);
      await watch.until((lines) => lines.some((l) => l.object?.metadata?.name === 'late'));
      expect(watch.ended).to.equal(false);
      // After it: the watch ends as a stream end, the process exits 0, the database is closed.
      await watch.until(() => watch.ended);
      expect(Date.now() - sigtermAt).to.be.at.least(1400);
      expect(watch.lines.some((l) => l.type === 'ERROR')).to.equal(false);
      const exit = await server.exited;
      exited = true;
      client.close();
      expect(exit.code, server.output()).to.equal(0);
      // SQLite folds its write-ahead log back into the database when the last connection closes.
      expect(existsSync(`${db}-wal`)).to.equal(false);

      const output = server.output();
      expect(output).to.contain('"HTTP" verb="CREATE"');
      const events = readFileSync(auditLog, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(events.some((e) => e.verb === 'watch' && e.stage === 'ResponseComplete')).to.equal(true);
      expect(events.some((e) => e.objectRef?.name === 'late' && e.stage === 'ResponseComplete' && e.responseStatus.code === 201)).to.equal(true);
      expect(events.filter((e) => e.requestURI === '/metrics').map((e) => e.responseStatus?.code)).to.include.members([401, 200]);
      for (const text of [output, readFileSync(auditLog, 'utf8')]) {
        expect(text).to.not.contain(server.token);
        expect(text).to.not.contain('not-the-minted-token');
      }
    } finally {
      if (!exited) await server.kill();
    }
  });
});
