import { expect } from 'chai';
import { decodeObjectBody, decodeOptionalBody, decodePatchBody } from '../../../../src/adapters/http/request/body-decoder.js';
import type { ApiError } from '../../../../src/domain/errors/api-error.js';

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  expect.fail('expected an error');
}

describe('http: request bodies', () => {
  it('decodes JSON, with or without a Content-Type', () => {
    expect(decodeObjectBody('application/json', buf('{"a":1}'))).to.deep.equal({ a: 1 });
    expect(decodeObjectBody('application/json; charset=utf-8', buf('{"a":1}'))).to.deep.equal({ a: 1 });
    expect(decodeObjectBody(undefined, buf('{"a":1}'))).to.deep.equal({ a: 1 });
  });

  it('decodes YAML bodies', () => {
    expect(decodeObjectBody('application/yaml', buf('kind: Widget\nmetadata:\n  name: foo\n'))).to.deep.equal({
      kind: 'Widget',
      metadata: { name: 'foo' },
    });
  });

  it('answers 400 for malformed JSON or YAML, empty bodies and multiple documents', () => {
    expect(failure(() => decodeObjectBody('application/json', buf('{"a":'))).code).to.equal(400);
    expect(failure(() => decodeObjectBody('application/yaml', buf('a: [1'))).code).to.equal(400);
    expect(failure(() => decodeObjectBody('application/yaml', buf('a: 1\n---\nb: 2\n'))).code).to.equal(400);
    expect(failure(() => decodeObjectBody('application/json', buf(''))).code).to.equal(400);
  });

  it('answers 415 for other media types', () => {
    const err = failure(() => decodeObjectBody('application/vnd.kubernetes.protobuf', buf('x')));
    expect(err.code).to.equal(415);
    expect(err.reason).to.equal('UnsupportedMediaType');
    expect(failure(() => decodeObjectBody('text/plain', buf('x'))).code).to.equal(415);
  });

  it('maps patch content types to patch types', () => {
    expect(decodePatchBody('application/json-patch+json', buf('[{"op":"remove","path":"/a"}]'))).to.deep.equal({
      type: 'json',
      patch: [{ op: 'remove', path: '/a' }],
    });
    expect(decodePatchBody('application/merge-patch+json', buf('{"a":null}'))).to.deep.equal({ type: 'merge', patch: { a: null } });
    expect(decodePatchBody('application/apply-patch+yaml', buf('{"apiVersion":"x/v1","kind":"K"}')).type).to.equal('apply');
    expect(decodePatchBody('application/apply-patch+yaml', buf('kind: K\n')).patch).to.deep.equal({ kind: 'K' });
  });

  it('reads YAML as sigs.k8s.io/yaml does: YAML 1.1 booleans and octals, timestamps and 1:20 as strings', () => {
    const body = [
      'metadata:',
      '  labels: {b: y, q: "y", x: "no"}',
      'spec:',
      '  enabled: on',
      '  paused: Off',
      '  answers: [y, Y, yes, n, N, no, true, false]',
      '  mode: 0755',
      '  when: 2001-12-14',
      '  duration: 1:20',
      '  big: 1_000',
      '  on: 1',
      '',
    ].join('\n');
    const expected = {
      metadata: { labels: { b: true, q: 'y', x: 'no' } },
      spec: {
        enabled: true,
        paused: false,
        answers: [true, true, true, false, false, false, true, false],
        mode: 493,
        when: '2001-12-14',
        duration: '1:20',
        big: 1000,
        // A key that is a boolean in YAML 1.1 becomes its JSON text, as in sigs.k8s.io/yaml.
        true: 1,
      },
    };
    expect(decodePatchBody('application/apply-patch+yaml', buf(body)).patch).to.deep.equal(expected);
    expect(decodeObjectBody('application/yaml', buf(body))).to.deep.equal(expected);
    // JSON (what kubectl sends as an apply patch) reads the same as before.
    const json = '{"metadata":{"labels":{"b":"y"}},"spec":{"n":1e3,"s":"\\u00e9\\/","t":[true,null,-0.5]}}';
    expect(decodePatchBody('application/apply-patch+yaml', buf(json)).patch).to.deep.equal(JSON.parse(json));
  });

  it('reads a JSON apply body (as kubectl and client-go send it) exactly as the YAML reader would', () => {
    const apply = (text: string) => decodePatchBody('application/apply-patch+yaml', buf(text)).patch;
    const bodies = [
      '{"apiVersion":"demo.example.com/v1","kind":"Widget","metadata":{"name":"a","labels":{"on":"yes","y":"n"}},"spec":{"replicas":3,"ratio":1.5,"big":12345678901234,"neg":-0.25,"exp":1e3}}',
      ' \n\t{"s":"tab\\there \\u00e9 \\\"quoted\\\"","list":[true,false,null,{"k":[]}],"empty":{},"octal":"0777"}',
      '{"a":1,"a":2}',
    ];
    for (const body of bodies) {
      // A leading comment sends the same text through the YAML reader.
      expect(apply(body), body).to.deep.equal(apply(`# yaml\n${body}`));
    }
    // A flow mapping that is not JSON is YAML, with YAML 1.1 types.
    expect(apply('{a: y, b: "y"}')).to.deep.equal({ a: true, b: 'y' });
    expect(failure(() => apply('{"a": [1')).code).to.equal(400);
  });

  it('refuses strategic merge patch and unknown patch types with 415', () => {
    const smp = failure(() => decodePatchBody('application/strategic-merge-patch+json', buf('{}')));
    expect(smp.code).to.equal(415);
    expect(smp.message).to.equal(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(failure(() => decodePatchBody('application/json', buf('{}'))).message).to.equal(smp.message);
    expect(failure(() => decodePatchBody('application/json', buf('{}'))).code).to.equal(415);
    expect(failure(() => decodePatchBody(undefined, buf('{}'))).code).to.equal(415);
  });

  it('answers 400 for patches of the wrong shape', () => {
    expect(failure(() => decodePatchBody('application/json-patch+json', buf('{"op":"add"}'))).code).to.equal(400);
    expect(failure(() => decodePatchBody('application/merge-patch+json', buf('[1]'))).code).to.equal(400);
    expect(failure(() => decodePatchBody('application/merge-patch+json', buf('{'))).code).to.equal(400);
  });

  it('treats an empty DELETE body as no body', () => {
    expect(decodeOptionalBody(undefined, buf(''))).to.equal(undefined);
    expect(decodeOptionalBody('application/json', buf('  \n'))).to.equal(undefined);
    expect(decodeOptionalBody(undefined, buf('{"propagationPolicy":"Background"}'))).to.deep.equal({ propagationPolicy: 'Background' });
  });
});
