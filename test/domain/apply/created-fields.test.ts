import { expect } from 'chai';
import { createdManagedFields } from '../../../src/domain/apply/created-fields.js';
import { updateManagedFields } from '../../../src/domain/apply/update-managed-fields.js';
import { trackedFieldsFor } from '../../../src/domain/apply/tracked-fields.js';
import type { ResourceShape } from '../../../src/domain/apply/shape.js';
import { API_VERSION, plainShape, T0, widget, widgetShape } from './fixtures.js';

type Obj = Record<string, unknown>;

/** The general path: a write from nothing to `obj` with no managers before. */
function general(obj: Obj, shape: ResourceShape) {
  return updateManagedFields({ old: undefined, updated: obj, manager: 'm', managedFields: [], shape, apiVersion: API_VERSION, now: T0 });
}

function created(obj: Obj, shape: ResourceShape) {
  return createdManagedFields(obj, { manager: 'm', apiVersion: API_VERSION, now: T0, root: shape.root, tracked: trackedFieldsFor(shape, undefined) });
}

/** A small deterministic generator, so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = r();
  if (depth > 3 || pick < 0.35) return [1, 'a', true, null, 0, ''][Math.floor(r() * 6)];
  if (pick < 0.55) return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  const o: Obj = {};
  for (let i = Math.floor(r() * 4); i > 0; i--) o[['a', 'b', '__proto__', 'constructor', 'z.y'][Math.floor(r() * 5)]] = randomValue(r, depth + 1);
  return o;
}

/** A Widget with random content where the schema says what things are, and junk where it does not. */
function randomWidget(r: () => number): Obj {
  const maybe = <T>(v: () => T): T | undefined => (r() < 0.6 ? v() : undefined);
  const ports = () =>
    Array.from({ length: Math.floor(r() * 4) }, () => {
      const p: Obj = { containerPort: [80, 443, 8080][Math.floor(r() * 3)] };
      if (r() < 0.5) p.protocol = r() < 0.5 ? 'TCP' : 'UDP';
      if (r() < 0.3) p.name = 'web';
      if (r() < 0.1) return { name: 'no-key' };
      return p;
    });
  const spec: Obj = {};
  const fields: [string, () => unknown][] = [
    ['replicas', () => Math.floor(r() * 5)],
    ['tags', () => Array.from({ length: Math.floor(r() * 4) }, () => ['x', 'y', 'z', 1][Math.floor(r() * 4)])],
    ['args', () => ['a', 'b']],
    ['ports', ports],
    ['selector', () => (r() < 0.5 ? { app: 'a' } : {})],
    ['config', () => (r() < 0.5 ? { k: 'v', j: 'w' } : {})],
    ['template', () => ({ image: maybe(() => 'img'), env: maybe(() => [{ name: 'A', value: '1' }, { name: 'B' }, { name: r() < 0.3 ? 'A' : 'C' }]) })],
    ['junk', () => randomValue(r, 0)],
    ['nothing', () => null],
  ];
  for (const [k, v] of fields) {
    const value = maybe(v);
    if (value !== undefined) spec[k] = value;
  }
  const metadata: Obj = { uid: 'u', generation: 1, creationTimestamp: T0, resourceVersion: '5' };
  if (r() < 0.5) metadata.labels = r() < 0.8 ? { app: 'x', 'example.com/tier': 'y' } : {};
  if (r() < 0.5) metadata.annotations = { note: 'n' };
  if (r() < 0.3) metadata.finalizers = ['a/b', 'c/d', ...(r() < 0.3 ? ['a/b'] : [])];
  if (r() < 0.3) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'K', name: 'n', uid: 'o1', controller: true }];
  if (r() < 0.2) metadata.generateName = 'w-';
  const extra: Obj = { metadata };
  if (r() < 0.5) extra.status = { phase: 'Up', conditions: [{ type: 'Ready', status: 'True' }] };
  if (r() < 0.2) extra.other = randomValue(r, 0);
  return widget(spec, extra);
}

describe('apply: createdManagedFields (the create fast path)', () => {
  it('writes what the general update path writes for a create, for random objects', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const obj = randomWidget(rng(seed));
      for (const shape of [widgetShape, plainShape]) {
        const fast = JSON.stringify(created(structuredClone(obj), shape));
        const slow = JSON.stringify(general(structuredClone(obj), shape));
        if (fast !== slow) expect(fast, `seed ${seed}: ${JSON.stringify(obj)}`).to.equal(slow);
      }
    }
  });

  it('owns labels, spec and status (without a status subresource) and never the object’s identity', () => {
    const obj = widget({ replicas: 1 }, { metadata: { uid: 'u', labels: { app: 'x' } }, status: { phase: 'Up' } });
    expect(created(obj, plainShape)[0].fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { '.': {}, 'f:replicas': {} },
      'f:status': { '.': {}, 'f:phase': {} },
    });
    expect(created(obj, widgetShape)[0].fieldsV1).to.not.have.property('f:status');
  });

  it('writes no entry for an object that sets no owned field', () => {
    expect(created({ apiVersion: API_VERSION, kind: 'Widget', metadata: { name: 'w', uid: 'u' } }, widgetShape)).to.deep.equal([]);
  });
});
