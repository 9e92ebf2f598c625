import { expect } from 'chai';
import { z } from 'zod';
import { buildOpenApiV3 } from '../../../../src/adapters/http/openapi/openapi-v3-document.js';
import { buildOpenApiV2 } from '../../../../src/adapters/http/openapi/openapi-v2-document.js';
import { convertZodSchema } from '../../../../src/adapters/http/openapi/schema-from-zod.js';
import { servedDemo, Widget } from '../fixtures/demo-resources.js';

type Doc = Record<string, any>;

describe('http: OpenAPI v3', () => {
  const doc = buildOpenApiV3('demo.example.com', 'v1', servedDemo(), { title: 'demo', version: '1.0.0' }) as Doc;
  const schemas = doc.components.schemas as Doc;

  it('describes every kind with x-kubernetes-group-version-kind', () => {
    expect(doc.openapi).to.equal('3.0.0');
    expect(doc.info).to.deep.equal({ title: 'demo', version: '1.0.0' });
    expect(schemas['com.example.demo.v1.Widget']['x-kubernetes-group-version-kind']).to.deep.equal([
      { group: 'demo.example.com', kind: 'Widget', version: 'v1' },
    ]);
    expect(schemas['com.example.demo.v1.WidgetList']['x-kubernetes-group-version-kind'][0].kind).to.equal('WidgetList');
    expect(schemas['com.example.demo.v1.Gadget']).to.have.property('x-kubernetes-group-version-kind');
  });

  it('renders spec and status from the zod schemas, as a client sends them', () => {
    const widget = schemas['com.example.demo.v1.Widget'];
    expect(widget.description).to.equal(Widget.description);
    expect(widget.properties.metadata.allOf[0].$ref).to.equal('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    const spec = widget.properties.spec;
    expect(spec.description).to.equal('Desired state of the widget.');
    expect(spec.properties.color).to.deep.include({ type: 'string', enum: ['red', 'green', 'blue'], default: 'red' });
    expect(spec.properties.replicas).to.deep.include({ type: 'integer', format: 'int64', minimum: 0, default: 1 });
    expect(spec.properties.replicas).to.not.have.property('maximum');
    expect(spec.required ?? []).to.not.include('color');
    expect(widget.properties.status.properties.conditions.type).to.equal('array');
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.labels.type).to.equal('object');
    expect(schemas['io.k8s.api.autoscaling.v1.Scale']).to.have.property('x-kubernetes-group-version-kind');
  });

  it('has namespaced, all-namespace and item paths with the right operations', () => {
    const base = '/apis/demo.example.com/v1';
    expect(Object.keys(doc.paths[`${base}/namespaces/{namespace}/widgets`])).to.include.members(['get', 'post', 'delete', 'parameters']);
    expect(Object.keys(doc.paths[`${base}/namespaces/{namespace}/widgets/{name}`])).to.include.members(['get', 'put', 'patch', 'delete']);
    expect(Object.keys(doc.paths[`${base}/widgets`])).to.deep.equal(['parameters', 'get']);
    expect(doc.paths[`${base}/widgets`].get['x-kubernetes-action']).to.equal('list');
    expect(doc.paths[`${base}/namespaces/{namespace}/widgets/{name}/scale`].patch['x-kubernetes-group-version-kind']).to.deep.equal({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    expect(doc.paths[`${base}/gadgets/{name}`].patch).to.be.an('object');
    expect(doc.paths).to.not.have.property(`${base}/namespaces/{namespace}/gadgets`);
  });

  it('lets kubectl see server-side field validation on every patch operation', () => {
    for (const [path, item] of Object.entries(doc.paths as Doc)) {
      if (!item.patch) continue;
      const names = (item.patch.parameters as Doc[]).map((p) => p.name);
      expect(names, path).to.include.members(['fieldValidation', 'dryRun', 'fieldManager', 'force']);
      expect(item.patch['x-kubernetes-action']).to.equal('patch');
    }
  });

  it('never advertises strategic merge patch', () => {
    const text = JSON.stringify(doc);
    expect(text).to.not.include('strategic-merge-patch');
    const patch = doc.paths['/apis/demo.example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    expect(Object.keys(patch.requestBody.content)).to.deep.equal([
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ]);
  });

  it('hoists shared and recursive zod schemas into components', () => {
    interface Node {
      name: string;
      children?: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node).optional() }));
    const converted = convertZodSchema(z.object({ tree: node.optional(), when: z.date().optional() }), 'com.example.v1.Tree');
    const names = Object.keys(converted.components);
    expect(names).to.have.length(1);
    expect(names[0]).to.match(/^com\.example\.v1\.Tree\./);
    expect(JSON.stringify(converted)).to.not.include('#/definitions/');
    expect((converted.schema.properties as Doc).when).to.deep.equal({ 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('converts to Swagger 2.0 for /openapi/v2', () => {
    const v2 = buildOpenApiV2([doc], { title: 'demo', version: '1.0.0' }) as Doc;
    expect(v2.swagger).to.equal('2.0');
    expect(v2.definitions['com.example.demo.v1.Widget']).to.have.property('x-kubernetes-group-version-kind');
    expect(JSON.stringify(v2)).to.not.include('#/components/');
    const patch = v2.paths['/apis/demo.example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    expect(patch.consumes).to.not.include('application/strategic-merge-patch+json');
    expect(patch.parameters[0]).to.include({ name: 'body', in: 'body' });
  });
});
