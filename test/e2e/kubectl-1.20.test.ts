/**
 * Debian's kubectl v1.20 (unpacked from the `kubernetes-client` .deb, see
 * support/kubectl-debian.ts): it validates, edits, diffs and explains with `/openapi/v2` in
 * gnostic protobuf, which kubectl 1.33 never asks for.
 */
import { expect } from 'chai';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gadget, Widget } from '../../examples/demo/widget.resource.js';
import { ensureDebianKubectl } from './support/kubectl-debian.js';
import { KubectlSession } from './support/kubectl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const widgetYaml = (name: string, extra = '') =>
  `apiVersion: demo.example.com/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n  color: green\n  replicas: 2\n${extra}`;
const OPENAPI_V2_PB = /GET https:\/\/[^ ]+\/openapi\/v2\?timeout=\d+s 200 OK/;

describe('e2e: kubectl v1.20 (Debian kubernetes-client)', function () {
  this.timeout(60_000);
  let server: TestServer;
  let k: KubectlSession;

  before(async function () {
    this.timeout(300_000);
    let binary: string;
    try {
      binary = await ensureDebianKubectl();
    } catch (err) {
      console.log(`      skipped: Debian's kubernetes-client cannot be had here (${(err as Error).message.split('\n')[0]})`);
      return this.skip();
    }
    server = await startTestServer((b) => b.withResource(Widget).withResource(Gadget));
    k = await KubectlSession.create({ server: server.url, token: server.token, ca: server.ca, namespace: 'default', binary });
  });

  after(async () => {
    await k?.dispose();
    await server?.stop();
  });

  it('version and api-versions', async () => {
    expect(await k.ok(['version', '--client', '--short'])).to.match(/v1\.20/);
    expect(await k.ok(['api-versions'])).to.match(/^demo\.example\.com\/v1$/m);
  });

  it('create validates against /openapi/v2 in protobuf and refuses an unknown field client-side', async () => {
    const r = await k.run(['create', '-f', '-', '-v=6'], { input: widgetYaml('created') });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('widget.demo.example.com/created created\n');
    expect(r.stderr).to.match(OPENAPI_V2_PB);
    const bogus = await k.run(['create', '-f', '-'], { input: widgetYaml('bogus', '  bogus: 1\n') });
    expect(bogus.code).to.equal(1);
    expect(bogus.stderr).to.match(/error validating data: ValidationError\(Widget\.spec\): unknown field "bogus"/);
    const badType = await k.run(['create', '-f', '-'], { input: widgetYaml('badtype').replace('replicas: 2', 'replicas: two') });
    expect(badType.stderr).to.match(/ValidationError\(Widget\.spec\.replicas\): invalid type/);
  });

  it('explain reads the protobuf document', async () => {
    const out = await k.ok(['explain', 'widgets.spec']);
    expect(out).to.match(/KIND:\s+Widget/);
    expect(out).to.match(/color\s+<string>/);
    expect(out).to.match(/Desired number of replicas/);
    const labels = await k.ok(['explain', 'widgets.metadata.labels']);
    expect(labels, labels).to.match(/FIELD:\s+labels <map\[string\]string>/);
  });

  it('apply, diff and apply again', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: widgetYaml('applied') })).to.equal('widget.demo.example.com/applied created\n');
    const diff = await k.run(['diff', '-f', '-'], { input: widgetYaml('applied').replace('replicas: 2', 'replicas: 5') });
    expect(diff.code, diff.stderr).to.equal(1);
    expect(diff.stdout).to.match(/^-\s+replicas: 2$/m).and.match(/^\+\s+replicas: 5$/m);
    expect(await k.ok(['apply', '-f', '-'], { input: widgetYaml('applied').replace('replicas: 2', 'replicas: 5') })).to.equal(
      'widget.demo.example.com/applied configured\n',
    );
    expect(await k.ok(['get', 'wd', 'applied', '-o', 'jsonpath={.spec.replicas}'])).to.equal('5');
  });

  it('edit through KUBE_EDITOR', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('edited') });
    const editor = join(k.dir, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/color: green/color: blue/" "$1"\n');
    await chmod(editor, 0o755);
    const out = await k.ok(['edit', 'wd', 'edited'], { env: { KUBE_EDITOR: editor, EDITOR: editor } });
    expect(out).to.equal('widget.demo.example.com/edited edited\n');
    expect(await k.ok(['get', 'wd', 'edited', '-o', 'jsonpath={.spec.color}'])).to.equal('blue');
  });

  it('get, list, watch, patch, scale, delete', async () => {
    await k.ok(['create', '-f', '-'], { input: widgetYaml('w1') });
    expect(await k.ok(['get', 'widgets'])).to.match(/^w1\s/m);
    const watch = k.start(['get', 'wd', 'w1', '--watch', '-o', 'jsonpath={.spec.color}{"\\n"}']);
    await watch.waitFor(/^green$/m);
    expect(await k.ok(['patch', 'wd', 'w1', '--type=merge', '-p', '{"spec":{"color":"red"}}'])).to.equal('widget.demo.example.com/w1 patched\n');
    await watch.waitFor(/^red$/m);
    await watch.stop();
    expect(await k.ok(['patch', 'wd', 'w1', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]'])).to.match(/patched/);
    const smp = await k.run(['patch', 'wd', 'w1', '-p', '{"spec":{"replicas":4}}']);
    expect(smp.code).to.equal(1);
    expect(smp.stderr).to.contain(
      'Error from server (UnsupportedMediaType): the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(await k.ok(['scale', 'wd', 'w1', '--replicas=7'])).to.equal('widget.demo.example.com/w1 scaled\n');
    expect(await k.ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.replicas}'])).to.equal('7');
    expect(await k.ok(['delete', 'wd', 'w1'])).to.equal('widget.demo.example.com "w1" deleted\n');
    expect((await k.run(['get', 'wd', 'w1'])).stderr).to.match(/NotFound|not found/);
  });
});
