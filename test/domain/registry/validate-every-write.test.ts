/**
 * A type's `validate` guards every write of the main resource, not only creates: the example's
 * rule (blue widgets have at most 10 replicas) holds through PUT, both patch types, apply and
 * the scale subresource, and a refused write changes nothing.
 */
import { expect } from 'chai';
import { demoServer, expectApiError } from './harness.js';

const RULE = 'blue widgets are limited to 10 replicas';

describe('registry: the type\'s validate runs on every write', () => {
  async function blueWidget() {
    const s = demoServer();
    const created = await s.widgets.create({ metadata: { name: 'a' }, spec: { color: 'blue', replicas: 10 } });
    return { ...s, created };
  }

  async function expectRefused(p: Promise<unknown>, s: Awaited<ReturnType<typeof blueWidget>>): Promise<void> {
    const err = await expectApiError(p, 'Invalid', 422);
    expect(err.message).to.contain(RULE);
    expect(err.details?.causes?.[0].field).to.equal('spec.replicas');
    const now = await s.widgets.get('a');
    expect(now.metadata.resourceVersion).to.equal(s.created.metadata.resourceVersion);
    expect(now.spec).to.deep.equal({ color: 'blue', replicas: 10 });
  }

  it('create', async () => {
    const { widgets } = demoServer();
    const err = await expectApiError(widgets.create({ metadata: { name: 'b' }, spec: { color: 'blue', replicas: 11 } }), 'Invalid', 422);
    expect(err.message).to.contain(RULE);
  });

  it('update (PUT)', async () => {
    const s = await blueWidget();
    await expectRefused(s.widgets.update({ ...s.created, spec: { color: 'blue', replicas: 11 } }), s);
  });

  it('merge patch', async () => {
    const s = await blueWidget();
    await expectRefused(s.widgets.mergePatch('a', { spec: { replicas: 11 } }), s);
  });

  it('JSON patch', async () => {
    const s = await blueWidget();
    await expectRefused(s.widgets.jsonPatch('a', [{ op: 'replace', path: '/spec/replicas', value: 12 }]), s);
  });

  it('server-side apply', async () => {
    const s = await blueWidget();
    const config = { apiVersion: 'demo.example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { color: 'blue', replicas: 11 } };
    await expectRefused(s.widgets.apply(config, { fieldManager: 'tester', force: true }), s);
  });

  it('scale, by update and by patch', async () => {
    const s = await blueWidget();
    await expectRefused(s.widgets.scale.update('a', 11), s);
    await expectRefused(s.widgets.scale.mergePatch('a', { spec: { replicas: 20 } }), s);
  });

  it('a change that keeps the rule goes through every path', async () => {
    const s = await blueWidget();
    await s.widgets.mergePatch('a', { spec: { replicas: 9 } });
    await s.widgets.scale.update('a', 8);
    expect((await s.widgets.get('a')).spec.replicas).to.equal(8);
  });

  it('status writes are not held to the rule of the spec', async () => {
    const s = await blueWidget();
    const out = await s.widgets.status.mergePatch('a', { status: { replicas: 3 } });
    expect(out.status).to.deep.equal({ replicas: 3 });
  });
});
