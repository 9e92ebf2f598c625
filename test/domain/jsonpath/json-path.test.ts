import { expect } from 'chai';
import { ApiError } from '../../../src/domain/errors/api-error.js';
import { compileJsonPath, evaluateJsonPath } from '../../../src/domain/jsonpath/json-path.js';

const widget = {
  apiVersion: 'demo.example.com/v1',
  kind: 'Widget',
  metadata: {
    name: 'w1',
    labels: { 'app.kubernetes.io/name': 'shop', tier: 'web' },
    annotations: { 'example.com/owner': 'team-a' },
  },
  spec: { color: 'red', replicas: 3, sizes: [10, 20, 30, 40], empty: null, enabled: false },
  status: {
    conditions: [
      { type: 'Available', status: 'True', priority: 1 },
      { type: 'Ready', status: 'False', reason: 'Starting', priority: 5 },
      { type: 'Degraded', status: 'False', priority: 9 },
    ],
    nodes: [
      { name: 'a', ports: [{ port: 80 }, { port: 443 }] },
      { name: 'b', ports: [{ port: 8080 }] },
    ],
  },
};

describe('JSONPath', () => {
  const cases: Array<[string, unknown[]]> = [
    // plain members, with and without braces, $ and @
    ['.spec.color', ['red']],
    ['{.spec.color}', ['red']],
    [' { .spec.replicas } ', [3]],
    ['$.spec.replicas', [3]],
    ['{$.spec.replicas}', [3]],
    ['@.spec.replicas', [3]],
    ['.spec.empty', [null]],
    ['.spec.enabled', [false]],
    ['.spec.missing', []],
    ['.spec.color.deeper', []],
    ['.spec.sizes.length', []],
    // bracketed and escaped names
    [".metadata.labels['app.kubernetes.io/name']", ['shop']],
    ['.metadata.labels["app.kubernetes.io/name"]', ['shop']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['shop']],
    [".metadata.annotations['example.com/owner']", ['team-a']],
    [".metadata['labels'].tier", ['web']],
    [".metadata.['labels'].tier", ['web']],
    // indexes and slices
    ['.spec.sizes[0]', [10]],
    ['.spec.sizes[3]', [40]],
    ['.spec.sizes[-1]', [40]],
    ['.spec.sizes[-4]', [10]],
    ['.spec.sizes[4]', []],
    ['.spec.sizes[-5]', []],
    ['.spec.sizes[0:2]', [10, 20]],
    ['.spec.sizes[1:]', [20, 30, 40]],
    ['.spec.sizes[:2]', [10, 20]],
    ['.spec.sizes[-2:]', [30, 40]],
    ['.spec.sizes[::2]', [10, 30]],
    ['.spec.sizes[0:100]', [10, 20, 30, 40]],
    ['.spec.sizes[3:1]', []],
    ['.spec.sizes[0,2]', [10, 30]],
    ['.spec.color[0]', []],
    // wildcards
    ['.spec.sizes[*]', [10, 20, 30, 40]],
    ['.status.conditions[*].type', ['Available', 'Ready', 'Degraded']],
    ['.status.conditions.*.type', ['Available', 'Ready', 'Degraded']],
    ['.metadata.labels.*', ['shop', 'web']],
    [".metadata.labels['tier','missing','app.kubernetes.io/name']", ['web', 'shop']],
    // recursive descent
    ['..port', [80, 443, 8080]],
    ['.status..name', ['a', 'b']],
    ['.status.nodes..ports[0].port', [80, 8080]],
    ['..ports[*].port', [80, 443, 8080]],
    ['.metadata..tier', ['web']],
    // filters
    ['.status.conditions[?(@.type=="Ready")].status', ['False']],
    [`{.status.conditions[?(@.type=='Ready')].reason}`, ['Starting']],
    ['.status.conditions[?( @.type == "Ready" )].status', ['False']],
    ['.status.conditions[?(@.type!="Ready")].type', ['Available', 'Degraded']],
    ['.status.conditions[?(@.priority>1)].type', ['Ready', 'Degraded']],
    ['.status.conditions[?(@.priority>=5)].type', ['Ready', 'Degraded']],
    ['.status.conditions[?(@.priority<5)].type', ['Available']],
    ['.status.conditions[?(@.priority<=5)].type', ['Available', 'Ready']],
    ['.status.conditions[?(@.type<"B")].type', ['Available']],
    ['.status.conditions[?(@.priority==1.0)].type', ['Available']],
    ['.status.conditions[?(@.priority=="1")].type', []],
    ['.status.conditions[?(@.type>1)].type', []],
    ['.status.conditions[?(@.reason)].type', ['Ready']],
    ['.status.conditions[?(@.type==$.status.conditions[1].type)].status', ['False']],
    ['.status.nodes[?(@.ports[?(@.port==443)])].name', ['a']],
    ['.status.nodes[?(@.ports[0].port==8080)].name', ['b']],
    ['.spec[?(@.x)]', []],
    ['.status.conditions[?(@.type=="Missing")].status', []],
  ];
  for (const [path, want] of cases) {
    it(`${path} selects ${JSON.stringify(want)}`, () => {
      expect(evaluateJsonPath(widget, path)).to.deep.equal(want);
    });
  }

  it('descends recursively in document order, objects before their members', () => {
    const obj = { a: { b: 1, c: [2, { d: 3 }] } };
    expect(evaluateJsonPath(obj, '..*')).to.deep.equal([{ b: 1, c: [2, { d: 3 }] }, 1, [2, { d: 3 }], 2, { d: 3 }, 3]);
    expect(evaluateJsonPath(obj, '..d')).to.deep.equal([3]);
  });

  it('selects the whole object with ., $, @ and {.}', () => {
    for (const p of ['.', '$', '@', '{.}', '{$}']) expect(evaluateJsonPath(widget, p)).to.deep.equal([widget]);
  });

  it('returns the object’s own values, not copies', () => {
    expect(evaluateJsonPath(widget, '.status.conditions[0]')[0]).to.equal(widget.status.conditions[0]);
  });

  it('never reaches prototypes', () => {
    expect(evaluateJsonPath({}, '.constructor')).to.deep.equal([]);
    expect(evaluateJsonPath({}, '.__proto__')).to.deep.equal([]);
    expect(evaluateJsonPath([1], '.length')).to.deep.equal([]);
    expect(evaluateJsonPath(JSON.parse('{"__proto__":{"x":1}}'), '.__proto__.x')).to.deep.equal([1]);
  });

  it('tolerates any input value', () => {
    for (const v of [null, undefined, 3, 'text', [], true]) {
      expect(evaluateJsonPath(v, '.a[0]..b[?(@.c=="d")]')).to.deep.equal([]);
    }
  });

  it('compiles once and evaluates many times', () => {
    const path = compileJsonPath('.spec.color');
    expect(path.source).to.equal('.spec.color');
    expect(path.evaluate({ spec: { color: 'blue' } })).to.deep.equal(['blue']);
    expect(path.evaluate(widget)).to.deep.equal(['red']);
  });

  describe('invalid paths', () => {
    const invalid = [
      '',
      '{}',
      '{.spec',
      'spec.color',
      '.spec.',
      '.spec..',
      '.spec...color',
      '.spec[',
      '.spec[]',
      '.spec[abc]',
      '.spec[1:2:0]',
      '.spec[1:2:-1]',
      ".spec['unterminated]",
      '.spec[?(@.a=1)]',
      '.spec[?(@.a===1)]',
      '.spec[?(@.a==)]',
      '.spec[?()]',
      '.spec[?(nonsense)]',
      '.spec[?@.a]',
      '.spec[0:1,2]',
      '.spec color',
      '{.a}{.b}',
      '{range .items[*]}{.name}{end}',
    ];
    for (const path of invalid) {
      it(`rejects ${JSON.stringify(path)} as BadRequest`, () => {
        try {
          evaluateJsonPath(widget, path);
        } catch (err) {
          expect(err).to.be.instanceOf(ApiError);
          expect((err as ApiError).reason).to.equal('BadRequest');
          expect((err as ApiError).message).to.contain('invalid JSONPath');
          return;
        }
        expect.fail(`expected ${path} to be rejected`);
      });
    }
  });
});
