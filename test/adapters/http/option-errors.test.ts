/**
 * One set of option rules: each mistake in request options gets the same answer (reason, code,
 * message, causes) through HTTP as through the in-process client, because the HTTP adapter only
 * types the query and the domain judges the values.
 */
import { expect } from 'chai';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import type { ApiServer } from '../../../src/app/api-server.js';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import type { ResourceClient } from '../../../src/adapters/in-process/in-process-client.js';
import { Widget } from '../../../examples/demo/widget.resource.js';

type Widgets = ResourceClient<any, any>;

interface Case {
  what: string;
  method: string;
  path: string;
  query: string;
  body?: unknown;
  contentType?: string;
  inProcess: (w: Widgets) => Promise<unknown>;
}

const ITEM = 'namespaces/default/widgets/a';
const COLLECTION = 'namespaces/default/widgets';
const longManager = 'm'.repeat(129);
// 43 characters of three UTF-8 bytes each: 129 bytes, but 43 UTF-16 units.
const wideManager = '\u20ac'.repeat(43);

const CASES: Case[] = [
  { what: 'a field manager over 128 bytes', method: 'POST', path: COLLECTION, query: `fieldManager=${longManager}`, body: { metadata: { name: 'b' } }, inProcess: (w) => w.create({ metadata: { name: 'b' } }, { fieldManager: longManager }) },
  { what: 'a field manager of 129 UTF-8 bytes in 43 characters', method: 'PUT', path: ITEM, query: `fieldManager=${encodeURIComponent(wideManager)}`, body: { metadata: { name: 'a' } }, inProcess: (w) => w.update({ metadata: { name: 'a' } }, { fieldManager: wideManager }) },
  { what: 'a field manager with a control character', method: 'POST', path: COLLECTION, query: 'fieldManager=a%07b', body: { metadata: { name: 'b' } }, inProcess: (w) => w.create({ metadata: { name: 'b' } }, { fieldManager: 'a\u0007b' }) },
  { what: 'an unknown dryRun value', method: 'POST', path: COLLECTION, query: 'dryRun=Some', body: { metadata: { name: 'b' } }, inProcess: (w) => w.create({ metadata: { name: 'b' } }, { dryRun: ['Some'] }) },
  { what: 'an unknown fieldValidation value', method: 'POST', path: COLLECTION, query: 'fieldValidation=Loose', body: { metadata: { name: 'b' } }, inProcess: (w) => w.create({ metadata: { name: 'b' } }, { fieldValidation: 'Loose' }) },
  { what: 'apply without a field manager', method: 'PATCH', path: ITEM, query: '', contentType: 'application/apply-patch+yaml', body: { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'a' } }, inProcess: (w) => w.apply({ apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'a' } }, { fieldManager: '' }) },
  { what: 'force on a merge patch', method: 'PATCH', path: ITEM, query: 'force=true', contentType: 'application/merge-patch+json', body: { spec: {} }, inProcess: (w) => w.mergePatch('a', { spec: {} }, { force: true }) },
  { what: 'an unknown propagationPolicy', method: 'DELETE', path: ITEM, query: 'propagationPolicy=Sometimes', inProcess: (w) => w.delete('a', { propagationPolicy: 'Sometimes' }) },
  { what: 'orphanDependents with a propagationPolicy', method: 'DELETE', path: ITEM, query: 'orphanDependents=true&propagationPolicy=Orphan', inProcess: (w) => w.delete('a', { orphanDependents: true, propagationPolicy: 'Orphan' }) },
  { what: 'a dryRun delete with an unknown value', method: 'DELETE', path: ITEM, query: 'dryRun=Later', inProcess: (w) => w.delete('a', { dryRun: ['Later'] }) },
  { what: 'a negative limit', method: 'GET', path: COLLECTION, query: 'limit=-1', inProcess: (w) => w.list({ limit: -1 }) },
  { what: 'resourceVersionMatch without resourceVersion', method: 'GET', path: COLLECTION, query: 'resourceVersionMatch=Exact', inProcess: (w) => w.list({ resourceVersionMatch: 'Exact' }) },
  { what: 'sendInitialEvents on a list', method: 'GET', path: COLLECTION, query: 'sendInitialEvents=true', inProcess: (w) => w.list({ sendInitialEvents: true }) },
  { what: 'a negative watch timeout', method: 'GET', path: COLLECTION, query: 'watch=true&timeoutSeconds=-3', inProcess: (w) => w.watch({ timeoutSeconds: -3 }) },
  { what: 'sendInitialEvents without NotOlderThan', method: 'GET', path: COLLECTION, query: 'watch=true&sendInitialEvents=true&allowWatchBookmarks=true', inProcess: (w) => w.watch({ sendInitialEvents: true, allowWatchBookmarks: true }) },
];

describe('request options: one set of rules for HTTP and in-process callers', () => {
  let server: ApiServer;
  let url: string;
  let widgets: Widgets;

  before(async () => {
    server = new ServerBuilder().withStorage(new MemoryObjectStore()).withResource(Widget).withInsecureServing().withBindPort(0).build();
    ({ url } = await server.start());
    widgets = server.client().resource(Widget, 'default');
    await widgets.create({ metadata: { name: 'a' } });
  });
  after(() => server.stop());

  for (const c of CASES) {
    it(`${c.what}: the same Status both ways`, async () => {
      const headers: Record<string, string> = {};
      let body: string | undefined;
      if (c.body !== undefined) {
        body = JSON.stringify(c.body);
        headers['Content-Type'] = c.contentType ?? 'application/json';
      }
      const res = await fetch(`${url}/apis/demo.example.com/v1/${c.path}${c.query ? `?${c.query}` : ''}`, { method: c.method, headers, body });
      const status = (await res.json()) as { reason: string; code: number; message: string; details?: unknown };
      expect(res.status, status.message).to.be.within(400, 499);

      let thrown: unknown;
      try {
        await c.inProcess(widgets);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, 'the in-process call must fail').to.be.instanceOf(ApiError);
      const e = thrown as ApiError;
      expect({ reason: e.reason, code: e.code, message: e.message, details: e.details }).to.deep.equal({
        reason: status.reason,
        code: status.code,
        message: status.message,
        details: status.details,
      });
    });
  }

  it('counts field manager length in UTF-8 bytes, as Kubernetes does', async () => {
    let thrown: ApiError | undefined;
    try {
      await widgets.create({ metadata: { name: 'c' } }, { fieldManager: wideManager });
    } catch (err) {
      thrown = err as ApiError;
    }
    expect(thrown?.message).to.equal('CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  });

  it('nothing was written by any of the refused requests', async () => {
    const list = await widgets.list();
    expect(list.items.map((w) => w.metadata.name)).to.deep.equal(['a']);
  });
});
