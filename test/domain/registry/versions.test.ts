import { expect } from 'chai';
import { z } from 'zod';
import { ServerBuilder } from '../../../src/app/server-builder.js';
import { MemoryObjectStore } from '../../../src/adapters/storage/memory/memory-object-store.js';
import { defineResource } from '../../../src/domain/resource/resource-definition.js';
import { roundTripFailures, verifyRoundTrips } from '../../../src/domain/resource/conversion-check.js';
import type { KubeObject } from '../../../src/domain/meta/types.js';
import { Widget, WidgetV1alpha1 } from '../../../examples/demo/widget.resource.js';
import { ManualClock } from '../../support/manual-clock.js';
import { SequentialIds } from '../../support/sequential-ids.js';
import { expectApiError, take } from './harness.js';

function twoVersions() {
  const store = new MemoryObjectStore();
  const warnings: string[] = [];
  const server = new ServerBuilder()
    .withStorage(store)
    .withResource(Widget)
    .withClock(new ManualClock())
    .withIdSource(new SequentialIds())
    .build();
  const client = server.client({ onWarning: (w) => warnings.push(w) });
  return { store, warnings, v1: client.resource(Widget, 'default'), alpha: client.resource(WidgetV1alpha1, 'default') };
}

const raw = async (store: MemoryObjectStore, name: string) => (await store.get(`/demo.example.com/widgets/default/${name}`)) as KubeObject;

describe('registry: a type in several versions', () => {
  it('serves an object written through v1 through v1alpha1, converted, with the same identity', async () => {
    const { v1, alpha } = twoVersions();
    const written = await v1.create({ metadata: { name: 'a', labels: { app: 'x' } }, spec: { color: 'green', replicas: 3 } });
    const seen = await alpha.get('a');
    expect(seen.apiVersion).to.equal('demo.example.com/v1alpha1');
    expect(seen.spec).to.deep.equal({ color: 'green', size: 'medium' });
    for (const field of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'labels', 'managedFields'] as const) {
      expect(seen.metadata[field], field).to.deep.equal(written.metadata[field]);
    }
  });

  it('stores what v1alpha1 writes in the storage version', async () => {
    const { store, v1, alpha } = twoVersions();
    const created = await alpha.create({ metadata: { name: 'b' }, spec: { size: 'large' } });
    expect(created.apiVersion).to.equal('demo.example.com/v1alpha1');
    expect(created.spec).to.deep.equal({ color: 'red', size: 'large' });
    const stored = await raw(store, 'b');
    expect(stored.apiVersion).to.equal('demo.example.com/v1');
    expect(stored.spec).to.deep.equal({ color: 'red', replicas: 5 });
    expect((await v1.get('b')).spec).to.deep.equal({ color: 'red', replicas: 5 });
    expect(created.metadata.managedFields?.[0]).to.include({ apiVersion: 'demo.example.com/v1alpha1', operation: 'Update' });
  });

  it('an update through v1alpha1 keeps what v1alpha1 cannot express, and changes what it changed', async () => {
    const { v1, alpha } = twoVersions();
    await v1.create({ metadata: { name: 'a' }, spec: { color: 'red', replicas: 2 } });
    // replicas 2 reads as size medium (3): changing only the color must keep 2.
    const read = await alpha.get('a');
    await alpha.update({ ...read, spec: { ...read.spec, color: 'blue' } });
    expect((await v1.get('a')).spec).to.deep.equal({ color: 'blue', replicas: 2 });
    await alpha.mergePatch('a', { metadata: { labels: { tier: 'web' } } });
    expect((await v1.get('a')).spec.replicas).to.equal(2);
    await alpha.jsonPatch('a', [{ op: 'replace', path: '/spec/size', value: 'large' }]);
    expect((await v1.get('a')).spec).to.deep.equal({ color: 'blue', replicas: 5 });
  });

  it('checks a v1alpha1 body against the v1alpha1 schema, in its terms', async () => {
    const { v1, alpha } = twoVersions();
    const invalid = await expectApiError(alpha.create({ metadata: { name: 'c' }, spec: { size: 'huge' as never } }), 'Invalid', 422);
    expect(invalid.details?.causes?.[0].field).to.equal('spec.size');
    const strict = await expectApiError(alpha.create({ metadata: { name: 'c' }, spec: { replicas: 3 } as never }, { fieldValidation: 'Strict' }), 'BadRequest');
    expect(strict.message).to.contain('unknown field "spec.replicas"');
    // The hub's rules still hold: blue widgets at most 10 replicas is checked on the hub object.
    await v1.create({ metadata: { name: 'd' }, spec: { color: 'blue', replicas: 10 } });
    expect((await alpha.get('d')).spec.size).to.equal('large');
  });

  it('lists, pages and selects through either version', async () => {
    const { v1, alpha } = twoVersions();
    for (const [n, c] of [['a', 'red'], ['b', 'green'], ['c', 'green']] as const) await v1.create({ metadata: { name: n }, spec: { color: c } });
    const page = await alpha.list({ limit: 2 });
    expect(page.apiVersion).to.equal('demo.example.com/v1alpha1');
    expect(page.items.map((i) => i.apiVersion)).to.deep.equal(['demo.example.com/v1alpha1', 'demo.example.com/v1alpha1']);
    const rest = await alpha.list({ limit: 2, continue: page.metadata.continue });
    expect(rest.items.map((i) => i.metadata.name)).to.deep.equal(['c']);
    const green = await alpha.list({ fieldSelector: 'spec.color=green' });
    expect(green.items.map((i) => i.metadata.name)).to.deep.equal(['b', 'c']);
  });

  it('a watch through v1alpha1 sees every change made through v1, converted', async () => {
    const { v1, alpha } = twoVersions();
    const w = await alpha.watch({ resourceVersion: '0' });
    await v1.create({ metadata: { name: 'a' }, spec: { replicas: 3 } });
    await v1.scale.update('a', 5);
    await v1.delete('a');
    const events = await take(w, 3);
    expect(events.map((e) => `${e.type}:${(e.object as KubeObject).apiVersion}:${JSON.stringify((e.object as { spec: unknown }).spec)}`)).to.deep.equal([
      'ADDED:demo.example.com/v1alpha1:{"color":"red","size":"medium"}',
      'MODIFIED:demo.example.com/v1alpha1:{"color":"red","size":"large"}',
      'DELETED:demo.example.com/v1alpha1:{"color":"red","size":"large"}',
    ]);
    w.close();
  });

  it('status through v1alpha1; scale only where the version declares it', async () => {
    const { v1, alpha } = twoVersions();
    await v1.create({ metadata: { name: 'a' } });
    const out = await alpha.status.mergePatch('a', { status: { replicas: 1 } });
    expect(out.status).to.deep.equal({ replicas: 1 });
    expect((await v1.get('a')).status).to.deep.equal({ replicas: 1 });
    await expectApiError(alpha.scale.get('a'), 'NotFound');
  });

  it('server-side apply across versions: managers conflict on the fields both versions have', async () => {
    const { v1, alpha } = twoVersions();
    const config = (apiVersion: string, spec: object) => ({ apiVersion, kind: 'Widget', metadata: { name: 'a' }, spec });
    await v1.apply(config('demo.example.com/v1', { color: 'green' }), { fieldManager: 'alice' });
    const conflict = await expectApiError(alpha.apply(config('demo.example.com/v1alpha1', { color: 'blue' }), { fieldManager: 'bob' }), 'Conflict', 409);
    expect(conflict.message).to.contain('alice');
    await alpha.apply(config('demo.example.com/v1alpha1', { color: 'green' }), { fieldManager: 'bob' });
    const live = await v1.get('a');
    const managers = Object.fromEntries((live.metadata.managedFields ?? []).map((m) => [m.manager, m.apiVersion]));
    expect(managers).to.deep.include({ alice: 'demo.example.com/v1', bob: 'demo.example.com/v1alpha1' });
    const forced = await alpha.apply(config('demo.example.com/v1alpha1', { color: 'blue' }), { fieldManager: 'bob', force: true });
    expect(forced.spec.color).to.equal('blue');
  });

  it('reads objects stored in an older storage version', async () => {
    const { store, v1 } = twoVersions();
    await store.create('/demo.example.com/widgets/default/old', {
      apiVersion: 'demo.example.com/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'old', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 },
      spec: { color: 'green', size: 'small' },
    });
    const read = await v1.get('old');
    expect(read.apiVersion).to.equal('demo.example.com/v1');
    expect(read.spec).to.deep.equal({ color: 'green', replicas: 1 });
    await v1.mergePatch('old', { spec: { replicas: 4 } });
    expect((await raw(store, 'old')).apiVersion).to.equal('demo.example.com/v1');
  });

  it('warns on every call to a deprecated version', async () => {
    const { warnings, alpha, v1 } = twoVersions();
    await v1.create({ metadata: { name: 'a' } });
    await alpha.get('a');
    expect(warnings).to.deep.equal(['demo.example.com/v1alpha1 Widget is deprecated; use demo.example.com/v1 Widget']);
  });

  it('round-trips every declared version through the hub (the helper users call)', () => {
    verifyRoundTrips(Widget, { v1alpha1: [{ spec: { color: 'blue', size: 'large' } }, { spec: { size: 'medium' } }] });
    const failures = roundTripFailures(Widget, { v1alpha1: [{ spec: { size: 'enormous' } }] });
    expect(failures.map((f) => f.kind)).to.deep.equal(['invalid']);
  });

  it('serves a handler-backed type in several versions; user code sees the hub', async () => {
    const Note = defineResource({
      group: 'notes.example.com',
      kind: 'Note',
      plural: 'notes',
      scope: 'Cluster',
      hub: 'v1',
      versions: {
        v1: { spec: z.object({ words: z.array(z.string()).default([]), author: z.string().default('') }) },
        v1beta1: { spec: z.object({ text: z.string().default('') }) },
      },
      conversion: {
        v1beta1: {
          toHub: (n) => ({ ...n, spec: { words: n.spec.text === '' ? [] : n.spec.text.split(' '), author: '' } }),
          fromHub: (n) => ({ ...n, spec: { text: n.spec.words.join(' ') } }),
        },
      },
    });
    const kept = new Map<string, KubeObject>();
    const handled: string[] = [];
    const server = new ServerBuilder()
      .withResourceAndHandler(Note, {
        get: (_ctx, _ns, name) => kept.get(name) as never,
        list: () => [...kept.values()] as never,
        create: (_ctx, _ns, obj) => {
          handled.push(`${obj.apiVersion} ${JSON.stringify(obj.spec)}`);
          const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: '1' } };
          kept.set(obj.metadata.name as string, stored);
          return stored;
        },
        update: (_ctx, _ns, name, obj) => {
          handled.push(`${obj.apiVersion} ${JSON.stringify(obj.spec)}`);
          kept.set(name, obj);
          return obj;
        },
      })
      .build();
    const beta = server.client().resource(Note.forVersion('v1beta1'));
    const v1 = server.client().resource(Note);
    const created = await beta.create({ metadata: { name: 'n' }, spec: { text: 'hello world' } });
    expect(created.apiVersion).to.equal('notes.example.com/v1beta1');
    expect(created.spec).to.deep.equal({ text: 'hello world' });
    await v1.mergePatch('n', { spec: { author: 'ann' } });
    await beta.mergePatch('n', { spec: { text: 'hello there' } });
    expect((await v1.get('n')).spec).to.deep.equal({ words: ['hello', 'there'], author: 'ann' });
    expect(handled[0]).to.equal('notes.example.com/v1 {"words":["hello","world"],"author":""}');
    expect((await beta.list()).items.map((n) => n.apiVersion)).to.deep.equal(['notes.example.com/v1beta1']);
  });

  it('stores in a storage version other than the hub, and does not serve an unserved version', async () => {
    const Temp = defineResource({
      group: 'temps.example.com',
      kind: 'Temp',
      plural: 'temps',
      scope: 'Cluster',
      hub: 'v1',
      versions: {
        v1: { spec: z.object({ celsius: z.number().default(0) }) },
        v2: { storage: true, spec: z.object({ kelvin: z.number().default(273) }) },
        v0: { served: false, spec: z.object({ f: z.number().default(32) }) },
      },
      conversion: {
        v2: { toHub: (t) => ({ ...t, spec: { celsius: t.spec.kelvin - 273 } }), fromHub: (t) => ({ ...t, spec: { kelvin: t.spec.celsius + 273 } }) },
        v0: { toHub: (t) => ({ ...t, spec: { celsius: ((t.spec.f - 32) * 5) / 9 } }), fromHub: (t) => ({ ...t, spec: { f: (t.spec.celsius * 9) / 5 + 32 } }) },
      },
    });
    const store = new MemoryObjectStore();
    const server = new ServerBuilder().withStorage(store).withResource(Temp).build();
    expect(server.api.endpoint('temps.example.com', 'v0', 'temps')).to.equal(undefined);
    expect(server.api.resources().map((r) => r.definition.version)).to.deep.equal(['v1', 'v2']);
    const v1 = server.client().resource(Temp);
    await v1.create({ metadata: { name: 'room' }, spec: { celsius: 21 } });
    const stored = (await store.get('/temps.example.com/temps/room')) as KubeObject & { spec: unknown };
    expect(stored.apiVersion).to.equal('temps.example.com/v2');
    expect(stored.spec).to.deep.equal({ kelvin: 294 });
    // An object written when v0 was the storage version is still read.
    await store.create('/temps.example.com/temps/old', { apiVersion: 'temps.example.com/v0', kind: 'Temp', metadata: { name: 'old', uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 }, spec: { f: 212 } });
    expect((await v1.get('old')).spec).to.deep.equal({ celsius: 100 });
    expect((await server.client().resource(Temp.forVersion('v2')).get('old')).spec).to.deep.equal({ kelvin: 373 });
    await server.stop();
  });

  it('refuses declarations that cannot convert, naming the version', () => {
    const base = { group: 'x.example.com', kind: 'Thing', plural: 'things', scope: 'Cluster' as const };
    const spec = z.object({ a: z.string().default('') });
    expect(() => defineResource({ ...base, hub: 'v1', versions: { v1: { spec }, v2: { spec } }, conversion: {} as never })).to.throw(
      /version v2 has no conversion to and from the hub v1/,
    );
    expect(() => defineResource({ ...base, hub: 'v1', versions: { v1: { spec, storage: true }, v2: { spec, storage: true } }, conversion: { v2: { toHub: (o) => o, fromHub: (o) => o } } })).to.throw(
      /exactly one version may be the storage version/,
    );
    expect(() =>
      defineResource({
        ...base,
        hub: 'v1',
        versions: { v1: { spec }, v2: { spec } },
        conversion: {
          v2: {
            toHub: () => {
              throw new Error('not written yet');
            },
            fromHub: (o) => o,
          },
        },
      }),
    ).to.throw(/version v2 does not convert: .*not written yet/);
  });
});
