import type { KubeObject } from '../../domain/meta/types.js';
import type { ResourceDefinition } from '../../domain/resource/resource-definition.js';

/**
 * A server's answer that does not have the shape the definition declares. `path` names the
 * first offending field (`spec.replicas`), `issues` every one.
 */
export class ResponseDecodeError extends Error {
  constructor(
    readonly kind: string,
    readonly path: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`the server's ${kind} does not match its type: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'ResponseDecodeError';
  }
}

function issue(path: string, message: string) {
  return { path, message };
}

/**
 * Checks an object of `def` as a server sent it: apiVersion and kind, metadata.name, and the
 * body (spec, status, ...) through the definition's zod schema. Returns the object with the
 * parsed body (defaults applied; fields the type does not know are dropped, as a typed client
 * drops them) or throws a ResponseDecodeError naming the field.
 */
export function decodeObject<T extends KubeObject>(def: ResourceDefinition<any, any>, value: unknown, where = ''): T {
  const at = (p: string) => (where ? `${where}.${p}` : p);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ResponseDecodeError(def.kind, where, [issue(where, 'expected an object')]);
  }
  const obj = value as Record<string, unknown>;
  const problems: Array<{ path: string; message: string }> = [];
  if (obj.apiVersion !== def.apiVersion) problems.push(issue(at('apiVersion'), `expected ${def.apiVersion}, got ${JSON.stringify(obj.apiVersion)}`));
  if (obj.kind !== def.kind) problems.push(issue(at('kind'), `expected ${def.kind}, got ${JSON.stringify(obj.kind)}`));
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') problems.push(issue(at('metadata'), 'expected an object'));
  else if (typeof meta.name !== 'string') problems.push(issue(at('metadata.name'), 'expected a string'));
  const { apiVersion, kind, metadata, ...body } = obj;
  const parsed = def.bodySchema.safeParse(body);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(issue(at(i.path.map(String).join('.')), i.message));
  }
  if (problems.length) throw new ResponseDecodeError(def.kind, problems[0].path, problems);
  return { apiVersion, kind, metadata, ...(parsed.data as object) } as unknown as T;
}
