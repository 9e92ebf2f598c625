/**
 * Request logs (text and JSON), 5xx reports through the same log, the in-flight limits, the
 * shutdown delay and health reports, on real servers on 127.0.0.1.
 */
import { expect } from 'chai';
import { connect } from 'node:net';
import { z } from 'zod';
import { ServerBuilder } from '../../src/app/server-builder.js';
import type { ApiServer } from '../../src/app/api-server.js';
import { defineResource } from '../../src/domain/resource/resource-definition.js';
import type { KubeObject } from '../../src/domain/meta/types.js';

const Gizmo = defineResource({
  group: 'obs.example.com',
  version: 'v1',
  kind: 'Gizmo',
  plural: 'gizmos',
  scope: 'Namespaced',
  spec: z.object({ size: z.number().optional() }),
});
const Slow = defineResource({
  group: 'obs.example.com',
  version: 'v1',
  kind: 'Slow',
  plural: 'slows',
  scope: 'Namespaced',
  spec: z.object({}),
});
const GIZMOS = '/apis/obs.example.com/v1/namespaces/default/gizmos';
const SLOWS = '/apis/obs.example.com/v1/namespaces/default/slows';

/** Requests to slows wait until `release()`; `boom` fails with an unforeseen error. */
class Gate {
  private waiting: Array<() => void> = [];
  entered = 0;
  wait(): Promise<void> {
    this.entered++;
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

function slowHandler(gate: Gate) {
  const obj = (name: string): KubeObject => ({ apiVersion: 'obs.example.com/v1', kind: 'Slow', metadata: { name, namespace: 'default' }, spec: {} }) as KubeObject;
  return {
    async get(_ctx: unknown, _ns: string | undefined, name: string) {
      if (name === 'boom') throw new Error('the handler broke');
      await gate.wait();
      return obj(name);
    },
    async create(_ctx: unknown, _ns: string | undefined, o: KubeObject) {
      await gate.wait();
      return o;
    },
  };
}

interface Logged {
  server: ApiServer;
  url: string;
  log: string[];
  gate: Gate;
}

async function start(options: Parameters<ServerBuilder['withObservability']>[0], extra?: (b: ServerBuilder) => void): Promise<Logged> {
  const log: string[] = [];
  const gate = new Gate();
  const builder = new ServerBuilder()
    .withResource(Gizmo)
    .withResourceAndHandler(Slow, slowHandler(gate) as never)
    .withStorage('memory')
    .withInsecureServing()
    .withBindPort(0)
    .withOutputWriter({ write: (t) => log.push(...t.split('\n').filter((l) => l !== '')) })
    .withObservability({ storageCountSeconds: 0, ...options });
  extra?.(builder);
  const server = builder.build();
  const { url } = await server.start();
  return { server, url, log, gate };
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('observability: request logs', function () {
  this.timeout(30_000);

  it('writes one klog-style line per request at -v=3, with the user and without secrets', async () => {
    const s = await start({ verbosity: 3 }, (b) => b.withBearerToken('tok-very-secret', 'alice'));
    try {
      const res = await fetch(`${s.url}${GIZMOS}?limit=5&access_token=qs-secret`, {
        headers: { Authorization: 'Bearer tok-very-secret', 'User-Agent': 'obs-test/1.0' },
      });
      expect(res.status).to.equal(200);
      const auditId = res.headers.get('audit-id');
      expect(auditId).to.match(/^[0-9a-f-]{36}$/);
      await until(() => s.log.some((l) => l.includes('"HTTP"')));
      const line = s.log.find((l) => l.includes('"HTTP"'))!;
      expect(line).to.match(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ apiserver-kit\] "HTTP" /);
      expect(line).to.contain('verb="LIST"');
      expect(line).to.contain(`URI="${GIZMOS}?limit=5&access_token=REDACTED"`);
      expect(line).to.contain('user="alice"');
      expect(line).to.contain('userAgent="obs-test/1.0"');
      expect(line).to.contain(`audit-ID="${auditId}"`);
      expect(line).to.contain('srcIP="127.0.0.1"');
      expect(line).to.match(/ resp=200 /);
      expect(line).to.match(/latency="[\d.]+(µs|ms|s)"/);
      expect(line).to.match(/ bytes=\d+/);
      // A client's own Audit-Id is kept.
      const given = await fetch(`${s.url}/healthz`, { headers: { 'Audit-Id': 'my-audit-id-1' } });
      expect(given.headers.get('audit-id')).to.equal('my-audit-id-1');
      const unauthorized = await fetch(`${s.url}${GIZMOS}`, { headers: { Authorization: 'Bearer wrong-secret-token' } });
      expect(unauthorized.status).to.equal(401);
      await until(() => s.log.some((l) => l.includes('resp=401')));
      expect(s.log.join('\n')).not.to.contain('tok-very-secret');
      expect(s.log.join('\n')).not.to.contain('qs-secret');
      expect(s.log.join('\n')).not.to.contain('wrong-secret-token');
    } finally {
      await s.server.stop();
    }
  });

  it('writes nothing per request below -v=3', async () => {
    const s = await start({});
    try {
      expect((await fetch(`${s.url}${GIZMOS}`)).status).to.equal(200);
      expect(s.log.filter((l) => l.includes('HTTP'))).to.deep.equal([]);
    } finally {
      await s.server.stop();
    }
  });

  it('writes JSON lines with --log-format json, and reports a 5xx through the same log', async () => {
    const s = await start({ verbosity: 3, logFormat: 'json' });
    try {
      expect((await fetch(`${s.url}${GIZMOS}`, { headers: { 'User-Agent': 'json-test' } })).status).to.equal(200);
      expect((await fetch(`${s.url}${SLOWS}/boom`)).status).to.equal(500);
      await until(() => s.log.length >= 3);
      const lines = s.log.map((l) => JSON.parse(l));
      const http = lines.find((l) => l.msg === 'HTTP' && l.URI === GIZMOS);
      expect(http).to.include({ v: 3, verb: 'LIST', userAgent: 'json-test', resp: 200 });
      expect(http.ts).to.be.a('number');
      const failure = lines.find((l) => l.err !== undefined);
      expect(failure.msg).to.equal('Internal error');
      expect(failure.err).to.contain(`GET ${SLOWS}/boom`).and.to.contain('the handler broke');
      expect(lines.find((l) => l.msg === 'HTTP' && l.resp === 500)).to.not.equal(undefined);
    } finally {
      await s.server.stop();
    }
  });
});

describe('observability: in-flight limits', function () {
  this.timeout(30_000);

  it('answers 429 with Retry-After beyond the limits, keeps watches open, and counts the rejections', async () => {
    const s = await start({ maxRequestsInflight: 2, maxMutatingRequestsInflight: 1 });
    try {
      // Two reads hold the read-only limit.
      const held = [fetch(`${s.url}${SLOWS}/a`), fetch(`${s.url}${SLOWS}/b`)];
      await until(() => s.gate.entered === 2);
      const refused = await fetch(`${s.url}${GIZMOS}`);
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('retry-after')).to.equal('1');
      expect((await refused.json()).reason).to.equal('TooManyRequests');
      // Watches are not counted: three open beyond the limit.
      const controllers = [0, 1, 2].map(() => new AbortController());
      const watches = await Promise.all(controllers.map((c) => fetch(`${s.url}${GIZMOS}?watch=true`, { signal: c.signal })));
      for (const w of watches) expect(w.status).to.equal(200);
      // One mutating request holds the mutating limit; a second is refused, reads are not affected by it.
      const create = fetch(`${s.url}${SLOWS}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'obs.example.com/v1', kind: 'Slow', metadata: { name: 'x' }, spec: {} }),
      });
      await until(() => s.gate.entered === 3);
      const refusedWrite = await fetch(`${s.url}${GIZMOS}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'obs.example.com/v1', kind: 'Gizmo', metadata: { name: 'g' }, spec: {} }),
      });
      expect(refusedWrite.status).to.equal(429);
      s.gate.release();
      for (const r of await Promise.all([...held, create])) expect(r.status).to.be.oneOf([200, 201]);
      // The in-flight gauge is the highest count of the last second.
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).to.match(/apiserver_dropped_requests_total\{request_kind="readOnly"\} 1\n/);
      expect(metrics).to.match(/apiserver_dropped_requests_total\{request_kind="mutating"\} 1\n/);
      expect(metrics).to.match(/apiserver_request_total\{verb="LIST",[^}]*resource="gizmos"[^}]*code="429"\} 1\n/);
      expect(metrics).to.match(/apiserver_current_inflight_requests\{request_kind="readOnly"\} 2\n/);
      expect(metrics).to.match(/apiserver_current_inflight_requests\{request_kind="mutating"\} 1\n/);
      expect(metrics).to.match(/apiserver_longrunning_requests\{verb="WATCH",[^}]*\} 3\n/);
      // Once the held requests are done, requests pass again.
      expect((await fetch(`${s.url}${GIZMOS}`)).status).to.equal(200);
      for (const c of controllers) c.abort();
    } finally {
      s.gate.release();
      await s.server.stop();
    }
  });
});

describe('observability: health and shutdown', function () {
  this.timeout(30_000);

  it('lists named checks with ?verbose and serves one check at /readyz/NAME', async () => {
    const s = await start({});
    try {
      const ready = await fetch(`${s.url}/readyz?verbose`);
      expect(ready.status).to.equal(200);
      const text = await ready.text();
      expect(text).to.contain('[+]ping ok\n').and.to.contain('[+]storage ok\n').and.to.contain('[+]shutdown ok\n');
      expect(text).to.match(/readyz check passed\n$/);
      const live = await (await fetch(`${s.url}/livez?verbose`)).text();
      expect(live).to.contain('[+]ping ok\n').and.to.contain('livez check passed');
      expect(await (await fetch(`${s.url}/readyz/storage`)).text()).to.equal('ok');
      expect((await fetch(`${s.url}/readyz/nothing`)).status).to.equal(404);
    } finally {
      await s.server.stop();
    }
  });

  it('stops at once with connections open that never carried a request (spares clients open ahead)', async () => {
    const s = await start({});
    const port = Number(new URL(s.url).port);
    // fetch opens such a spare when a watch it reads is aborted; a raw connection is one too.
    const controller = new AbortController();
    await fetch(`${s.url}${GIZMOS}?watch=true`, { signal: controller.signal });
    controller.abort();
    const spare = connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => spare.on('close', () => resolve()));
    spare.on('error', () => undefined);
    await new Promise<void>((resolve) => spare.once('connect', () => resolve()));
    const startedAt = Date.now();
    await s.server.stop();
    await closed;
    expect(Date.now() - startedAt).to.be.lessThan(1000);
  });

  it('during --shutdown-delay-duration fails readyz and still serves; then ends watches cleanly and closes the stores', async () => {
    const s = await start({ shutdownDelaySeconds: 1 });
    const watch = await fetch(`${s.url}${GIZMOS}?watch=true`);
    expect(watch.status).to.equal(200);
    const body = watch.body!.getReader();
    const ended = (async () => {
      for (;;) {
        const { done } = await body.read();
        if (done) return 'ended';
      }
    })();
    const startedAt = Date.now();
    const stopped = s.server.stop();
    // readyz fails at once, with the reason named; livez stays fine; requests are served.
    const ready = await fetch(`${s.url}/readyz?verbose`);
    expect(ready.status).to.equal(500);
    expect(await ready.text()).to.contain('[-]shutdown failed: the server is shutting down');
    expect((await fetch(`${s.url}/livez`)).status).to.equal(200);
    const create = await fetch(`${s.url}${GIZMOS}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'obs.example.com/v1', kind: 'Gizmo', metadata: { name: 'late' }, spec: {} }),
    });
    expect(create.status).to.equal(201);
    expect((await fetch(`${s.url}${GIZMOS}/late`)).status).to.equal(200);
    // After the delay: the watch ends as a stream end (no reset), the listener closes, stop resolves.
    expect(await ended).to.equal('ended');
    await stopped;
    expect(Date.now() - startedAt).to.be.at.least(950);
    const port = Number(new URL(s.url).port);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    });
    expect(refused).to.equal('ECONNREFUSED');
  });
});
