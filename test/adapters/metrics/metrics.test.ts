/**
 * `/metrics` of a real server on 127.0.0.1: kube-apiserver's names, labels and buckets after a
 * known sequence of requests, storage and watch metrics, bounded label values under hostile
 * paths, and access when tokens are configured.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import { REQUEST_DURATION_BUCKETS } from '../../../src/adapters/metrics/api-server-metrics.js';
import { EtcdCluster } from '../../support/etcd/etcd-cluster.js';

const Gizmo = defineResource({
  group: 'metrics.example.com',
  version: 'v1',
  kind: 'Gizmo',
  plural: 'gizmos',
  scope: 'Namespaced',
  spec: z.object({ size: z.number().optional() }),
});
const GIZMOS = '/apis/metrics.example.com/v1/namespaces/default/gizmos';
const silent = { write: () => true };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function find(samples: Sample[], name: string, labels: Record<string, string>): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = find(samples, name, labels);
  expect(found, `${name}${JSON.stringify(labels)}`).to.have.length.greaterThan(0);
  return found.reduce((sum, s) => sum + s.value, 0);
}

describe('metrics: /metrics in the Prometheus text format', function () {
  this.timeout(60_000);
  let server: ApiServer;
  let url: string;

  before(async () => {
    server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withObservability({ storageCountSeconds: 0 })
      .build();
    url = (await server.start()).url;
  });
  after(() => server.stop());

  const scrape = async (): Promise<{ text: string; samples: Sample[]; type: string | null }> => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).to.equal(200);
    const text = await res.text();
    return { text, samples: parse(text), type: res.headers.get('content-type') };
  };

  it('counts a known sequence of requests with kube-apiserver labels, durations and sizes', async () => {
    const before = (await scrape()).samples;
    const base = (labels: Record<string, string>): number => find(before, 'apiserver_request_total', labels).reduce((s, x) => s + x.value, 0);
    const gizmoLabels = { group: 'metrics.example.com', version: 'v1', resource: 'gizmos', component: 'apiserver' };
    const post = (name: string) =>
      fetch(`${url}${GIZMOS}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'metrics.example.com/v1', kind: 'Gizmo', metadata: { name }, spec: { size: 1 } }),
      });
    for (const name of ['a', 'b', 'c']) expect((await post(name)).status).to.equal(201);
    expect((await post('a')).status).to.equal(409);
    expect((await fetch(`${url}${GIZMOS}/a`)).status).to.equal(200);
    expect((await fetch(`${url}${GIZMOS}/a`)).status).to.equal(200);
    expect((await fetch(`${url}${GIZMOS}/nope`)).status).to.equal(404);
    expect((await fetch(`${url}${GIZMOS}`)).status).to.equal(200);
    expect((await fetch(`${url}/apis/metrics.example.com/v1/gizmos`)).status).to.equal(200);
    const apply = await fetch(`${url}${GIZMOS}/b?fieldManager=test&force=true&dryRun=All`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'metrics.example.com/v1', kind: 'Gizmo', metadata: { name: 'b' }, spec: { size: 2 } }),
    });
    expect(apply.status).to.equal(200);
    expect((await fetch(`${url}${GIZMOS}/c`, { method: 'DELETE' })).status).to.equal(200);
    expect((await fetch(`${url}/readyz`)).status).to.equal(200);

    const { samples, type, text } = await scrape();
    expect(type).to.match(/^text\/plain; version=0\.0\.4/);
    const delta = (labels: Record<string, string>): number => value(samples, 'apiserver_request_total', labels) - base(labels);
    expect(delta({ ...gizmoLabels, verb: 'POST', scope: 'resource', code: '201', dry_run: '' })).to.equal(3);
    expect(delta({ ...gizmoLabels, verb: 'POST', scope: 'resource', code: '409' })).to.equal(1);
    expect(delta({ ...gizmoLabels, verb: 'GET', scope: 'resource', code: '200', subresource: '' })).to.equal(2);
    expect(delta({ ...gizmoLabels, verb: 'GET', scope: 'resource', code: '404' })).to.equal(1);
    expect(delta({ ...gizmoLabels, verb: 'LIST', scope: 'namespace', code: '200' })).to.equal(1);
    expect(delta({ ...gizmoLabels, verb: 'LIST', scope: 'cluster', code: '200' })).to.equal(1);
    expect(delta({ ...gizmoLabels, verb: 'APPLY', scope: 'resource', code: '200', dry_run: 'All' })).to.equal(1);
    expect(delta({ ...gizmoLabels, verb: 'DELETE', scope: 'resource', code: '200' })).to.equal(1);
    expect(delta({ verb: 'GET', group: '', resource: '', subresource: '/readyz', scope: '', code: '200' })).to.equal(1);

    // Every series of apiserver_request_total has exactly kube-apiserver's label set; no names or namespaces.
    for (const s of find(samples, 'apiserver_request_total', {})) {
      expect(Object.keys(s.labels).sort()).to.deep.equal(['code', 'component', 'dry_run', 'group', 'resource', 'scope', 'subresource', 'verb', 'version']);
    }
    expect(text).not.to.contain('"default"');
    expect(text).not.to.match(/="(a|b|c|nope)"/);

    // The duration histogram: kube-apiserver's buckets, and a count per request.
    const buckets = find(samples, 'apiserver_request_duration_seconds_bucket', { ...gizmoLabels, verb: 'POST' }).map((s) => s.labels.le);
    expect(buckets).to.deep.equal([...REQUEST_DURATION_BUCKETS.map(String), '+Inf']);
    const count = value(samples, 'apiserver_request_duration_seconds_count', { ...gizmoLabels, verb: 'POST' });
    expect(count).to.equal(4);
    const sum = value(samples, 'apiserver_request_duration_seconds_sum', { ...gizmoLabels, verb: 'POST' });
    expect(sum).to.be.greaterThan(0).and.lessThan(10);

    // Response sizes are observed for reads only, in 1 KB..1 GB buckets.
    expect(find(samples, 'apiserver_response_sizes_bucket', { ...gizmoLabels, verb: 'POST' })).to.have.length(0);
    const sizeBuckets = find(samples, 'apiserver_response_sizes_bucket', { ...gizmoLabels, verb: 'LIST', scope: 'namespace' }).map((s) => Number(s.labels.le));
    expect(sizeBuckets.slice(0, 7)).to.deep.equal([1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]);
    expect(value(samples, 'apiserver_response_sizes_sum', { ...gizmoLabels, verb: 'GET', scope: 'resource' })).to.be.greaterThan(200);

    // Stores: per-operation durations and the object count.
    expect(value(samples, 'apiserver_storage_request_duration_seconds_count', { operation: 'create', resource: 'gizmos.metrics.example.com', store: 'memory' })).to.be.at.least(4);
    expect(value(samples, 'apiserver_storage_objects', { resource: 'gizmos.metrics.example.com' })).to.equal(2);

    // Node's process and event-loop metrics.
    expect(find(samples, 'process_cpu_user_seconds_total', {})).to.have.length(1);
    expect(find(samples, 'nodejs_eventloop_lag_seconds', {})).to.have.length(1);
    expect(find(samples, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' })).to.have.length(1);
    expect(find(samples, 'apiserver_current_inflight_requests', { request_kind: 'mutating' })).to.have.length(1);
  });

  it('counts watches as long-running, their events and sizes, and registered watchers', async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}${GIZMOS}?watch=true`, { signal: controller.signal });
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    let text = '';
    // The initial ADDED events of the objects there (a, b).
    while (text.split('\n').length < 3) text += new TextDecoder().decode((await reader.read()).value);
    const labels = { group: 'metrics.example.com', version: 'v1', kind: 'Gizmo' };
    let samples = (await scrape()).samples;
    expect(value(samples, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'gizmos', scope: 'namespace' })).to.equal(1);
    expect(value(samples, 'apiserver_registered_watchers', labels)).to.equal(1);
    expect(value(samples, 'apiserver_watch_events_total', labels)).to.be.at.least(2);
    expect(value(samples, 'apiserver_watch_events_sizes_count', labels)).to.be.at.least(2);
    expect(value(samples, 'apiserver_watch_events_sizes_sum', labels)).to.be.greaterThan(100);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // The server sees the client go away.
    for (let i = 0; i < 50; i++) {
      samples = (await scrape()).samples;
      if (value(samples, 'apiserver_registered_watchers', labels) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(value(samples, 'apiserver_registered_watchers', labels)).to.equal(0);
    expect(value(samples, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'gizmos' })).to.equal(0);
    expect(value(samples, 'apiserver_request_total', { verb: 'WATCH', resource: 'gizmos', code: '200' })).to.equal(1);
  });

  it('keeps the number of series unchanged under 10,000 distinct bogus paths', async () => {
    const bogus = (i: number): string[] => [
      `/nothing/${i}`,
      `/apis/bogus${i}.example.com/v1/namespaces/ns${i}/things/x${i}`,
      `/apis/metrics.example.com/v1/namespaces/ns${i}/gizmos/g${i}/sub${i}`,
      `/api/v${i}/pods`,
      `/readyz/check${i}`,
      `/apis/metrics.example.com/v${i}beta${i}`,
    ];
    const warm = async (): Promise<void> => {
      for (const path of bogus(0)) await fetch(`${url}${path}?dryRun=x0`, { method: 'GET' });
      await fetch(`${url}/nothing/0`, { method: 'BREW' }).catch(() => undefined);
    };
    await warm();
    const series = async (): Promise<number> => (await scrape()).samples.filter((s) => s.name.startsWith('apiserver_')).length;
    const before = await series();
    const paths: string[] = [];
    for (let i = 1; paths.length < 10_000; i++) paths.push(...bogus(i));
    for (let i = 0; i < paths.length; i += 100) {
      await Promise.all(paths.slice(i, i + 100).map((p) => fetch(`${url}${p}?dryRun=x${i}`).then((r) => r.arrayBuffer())));
    }
    expect(await series()).to.equal(before);
  });
});

describe('metrics: apiserver_storage_size_bytes', function () {
  this.timeout(30_000);

  it('measures a file store on disk, per backing store, and grows with what is stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-size-'));
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage(`file:${join(dir, 'store')}`)
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withObservability({ storageCountSeconds: 0 })
      .build();
    try {
      const { url } = await server.start();
      const size = async (): Promise<number> => {
        const samples = parse(await (await fetch(`${url}/metrics`)).text());
        const found = find(samples, 'apiserver_storage_size_bytes', {});
        expect(found.map((s) => s.labels.storage_cluster_id)).to.deep.equal([`file:${join(dir, 'store')}`]);
        return found[0]!.value;
      };
      expect((await fetch(`${url}${GIZMOS}`)).status).to.equal(200);
      const before = await size();
      const res = await fetch(`${url}${GIZMOS}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'metrics.example.com/v1', kind: 'Gizmo', metadata: { name: 'big', annotations: { pad: 'x'.repeat(20_000) } }, spec: {} }),
      });
      expect(res.status).to.equal(201);
      expect(await size()).to.be.greaterThan(before + 20_000);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the database size etcd gives for an etcd store', async function () {
    const cluster = await EtcdCluster.start();
    const spec = `etcd:${cluster.endpoints.join(',')}?prefix=/metrics-size`;
    const server = new ServerBuilder().withResource(Gizmo).withStorage(spec).withInsecureServing().withBindPort(0).withOutputWriter(silent).withObservability({ storageCountSeconds: 0 }).build();
    try {
      const { url } = await server.start();
      expect((await fetch(`${url}${GIZMOS}`)).status).to.equal(200);
      const found = find(parse(await (await fetch(`${url}/metrics`)).text()), 'apiserver_storage_size_bytes', {});
      expect(found).to.have.length(1);
      expect(found[0]!.labels.storage_cluster_id).to.match(/^etcd:http:\/\/127\.0\.0\.1:\d+\/metrics-size$/);
      // A fresh etcd's bolt database is some pages already.
      expect(found[0]!.value).to.be.greaterThan(4096);
    } finally {
      await server.stop();
      await cluster.stop();
    }
  });

  it('has no series for memory stores (nothing on disk)', async () => {
    const server = new ServerBuilder().withResource(Gizmo).withStorage('memory').withInsecureServing().withBindPort(0).withOutputWriter(silent).build();
    try {
      const { url } = await server.start();
      expect((await fetch(`${url}${GIZMOS}`)).status).to.equal(200);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).to.contain('# TYPE apiserver_storage_size_bytes gauge');
      expect(find(parse(text), 'apiserver_storage_size_bytes', {})).to.deep.equal([]);
    } finally {
      await server.stop();
    }
  });
});

describe('metrics: access to /metrics', function () {
  this.timeout(30_000);

  it('needs the server bearer token when tokens are configured', async () => {
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withBearerToken('s3cret-token')
      .build();
    try {
      const { url } = await server.start();
      expect((await fetch(`${url}/metrics`)).status).to.equal(401);
      expect((await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).to.equal(401);
      const ok = await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer s3cret-token' } });
      expect(ok.status).to.equal(200);
      expect(await ok.text()).to.contain('apiserver_request_total');
    } finally {
      await server.stop();
    }
  });

  it('is a non-resource URL for the authorizer: allowed to the masters token, forbidden to others', async () => {
    const server = new ServerBuilder()
      .withResource(Gizmo)
      .withStorage('memory')
      .withInsecureServing()
      .withBindPort(0)
      .withOutputWriter(silent)
      .withBearerToken('admin-token')
      .withAuthorizationPolicy({ rules: [] })
      .build();
    try {
      const { url } = await server.start();
      const anon = await fetch(`${url}/metrics`);
      expect(anon.status).to.equal(403);
      expect((await anon.json()).message).to.contain('cannot get path "/metrics"');
      expect((await fetch(`${url}/metrics`, { headers: { Authorization: 'Bearer admin-token' } })).status).to.equal(200);
    } finally {
      await server.stop();
    }
  });

  it('is not served with metrics off', async () => {
    const server = new ServerBuilder().withResource(Gizmo).withStorage('memory').withInsecureServing().withBindPort(0).withOutputWriter(silent).withObservability({ metrics: false }).build();
    try {
      const { url } = await server.start();
      expect((await fetch(`${url}/metrics`)).status).to.equal(404);
    } finally {
      await server.stop();
    }
  });
});
