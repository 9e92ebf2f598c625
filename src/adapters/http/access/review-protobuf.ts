import { badRequest } from '../../../domain/errors/api-error.js';

/**
 * kubectl (client-go's typed clients) sends the self reviews of `kubectl auth can-i` and
 * `kubectl auth whoami` as Kubernetes protobuf. This reads exactly those bodies: the `k8s\0`
 * envelope (runtime.Unknown: typeMeta, raw) around an authorization.k8s.io/v1
 * SelfSubjectAccessReview or SelfSubjectRulesReview, or an authentication.k8s.io/v1
 * SelfSubjectReview, into the JSON object the same request would have carried. Anything else
 * in protobuf yields undefined (the caller answers 415 as for any other unknown format).
 * Malformed input is a 400.
 */
export function decodeReviewProtobuf(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length < 4 || raw.toString('latin1', 0, 4) !== 'k8s\0') return undefined;
  const unknown = fields(raw.subarray(4));
  const typeMeta = fields(bytes(unknown, 1));
  const apiVersion = text(typeMeta, 1);
  const kind = text(typeMeta, 2);
  const body = fields(bytes(unknown, 2));
  const spec = fields(bytes(body, 2));
  switch (`${apiVersion}/${kind}`) {
    case 'authorization.k8s.io/v1/SelfSubjectAccessReview': {
      const out: Record<string, unknown> = {};
      if (spec.has(1)) {
        const r = fields(bytes(spec, 1));
        const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
        out.resourceAttributes = Object.fromEntries(names.map((n, i) => [n, text(r, i + 1)]).filter(([, v]) => v !== undefined));
      }
      if (spec.has(2)) {
        const n = fields(bytes(spec, 2));
        out.nonResourceAttributes = Object.fromEntries(
          [['path', text(n, 1)], ['verb', text(n, 2)]].filter(([, v]) => v !== undefined),
        );
      }
      return { apiVersion, kind, metadata: {}, spec: out };
    }
    case 'authorization.k8s.io/v1/SelfSubjectRulesReview': {
      const namespace = text(spec, 1);
      return { apiVersion, kind, metadata: {}, spec: namespace === undefined ? {} : { namespace } };
    }
    case 'authentication.k8s.io/v1/SelfSubjectReview':
      return { apiVersion, kind, metadata: {} };
    default:
      return undefined;
  }
}

type Fields = Map<number, Buffer>;

/** The length-delimited fields of a message (the last of a repeated number); other wire types are skipped. */
function fields(buf: Buffer | undefined): Fields {
  const out: Fields = new Map();
  if (!buf) return out;
  let at = 0;
  while (at < buf.length) {
    const [key, afterKey] = varint(buf, at);
    at = afterKey;
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 2) {
      const [length, afterLength] = varint(buf, at);
      if (afterLength + length > buf.length) throw malformed();
      out.set(number, buf.subarray(afterLength, afterLength + length));
      at = afterLength + length;
    } else if (wire === 0) {
      at = varint(buf, at)[1];
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw malformed();
    }
    if (at > buf.length) throw malformed();
  }
  return out;
}

function varint(buf: Buffer, start: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let at = start; at < buf.length && at < start + 10; at++) {
    const b = buf[at];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, at + 1];
  }
  throw malformed();
}

function bytes(f: Fields, n: number): Buffer | undefined {
  return f.get(n);
}

function text(f: Fields, n: number): string | undefined {
  return f.get(n)?.toString('utf8');
}

function malformed() {
  return badRequest('the protobuf body of the request is malformed');
}
