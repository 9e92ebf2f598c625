import { badRequest, invalid, type StatusCause } from '../../../domain/errors/api-error.js';
import type { FieldValidation, Preconditions, PropagationPolicy } from '../../../domain/meta/types.js';
import type {
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  TableOptions,
  WatchOptions,
  WriteOptions,
} from '../../../ports/resource-api.port.js';

/**
 * Query parameters of resource requests, parsed into the options of the ResourceApi port.
 * Values that do not parse (a limit that is not a number) answer 400 BadRequest; option values
 * that parse but are not allowed (dryRun=Some) answer 422 Invalid against the meta.k8s.io
 * options kind, as Kubernetes does.
 */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  static fromQueryString(querystring: string): QueryParams {
    return new QueryParams(new URLSearchParams(querystring));
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** The first value of a parameter; undefined when absent. */
  string(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }

  /** Every value of a parameter (dryRun may repeat). */
  all(name: string): string[] {
    return this.params.getAll(name);
  }

  /** A boolean: true/false, 1/0, t/f, yes/no in any case; a bare `?name` is true. */
  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    switch (v.toLowerCase()) {
      case '':
      case 'true':
      case '1':
      case 't':
      case 'yes':
        return true;
      case 'false':
      case '0':
      case 'f':
      case 'no':
        return false;
      default:
        throw badRequest(`${name}: invalid value ${JSON.stringify(v)}: must be true or false`);
    }
  }

  /** An integer, optionally bounded below; undefined when absent or empty. */
  int(name: string, min?: number): number | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!/^[-+]?\d+$/.test(v.trim())) throw badRequest(`${name}: invalid value ${JSON.stringify(v)}: must be an integer`);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw badRequest(`${name}: invalid value ${JSON.stringify(v)}: out of range`);
    if (min !== undefined && n < min) throw badRequest(`${name}: invalid value ${n}: must be greater than or equal to ${min}`);
    return n;
  }

  /** One of a fixed set of values; undefined when absent or empty. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined || v === '') return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw badRequest(`${name}: Unsupported value: ${JSON.stringify(v)}: supported values: ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    }
    return v as T;
  }
}

const RESOURCE_VERSION_MATCH = ['Exact', 'NotOlderThan'] as const;
const PROPAGATION_POLICIES: readonly PropagationPolicy[] = ['Orphan', 'Background', 'Foreground'];
const INCLUDE_OBJECT = ['None', 'Metadata', 'Object'] as const;
const FIELD_VALIDATION: readonly FieldValidation[] = ['Ignore', 'Warn', 'Strict'];

/** Whether a GET asks for a watch (`watch=true` or `watch=1`). */
export function isWatchRequest(q: QueryParams): boolean {
  return q.bool('watch') === true;
}

export function parseGetOptions(q: QueryParams): GetOptions {
  const opts: GetOptions = {};
  const rv = q.string('resourceVersion');
  if (rv !== undefined && rv !== '') opts.resourceVersion = rv;
  return opts;
}

export function parseListOptions(q: QueryParams): ListOptions {
  const opts: ListOptions = {};
  setString(opts, 'labelSelector', q.string('labelSelector'));
  setString(opts, 'fieldSelector', q.string('fieldSelector'));
  const limit = q.int('limit', 0);
  if (limit !== undefined) opts.limit = limit;
  setString(opts, 'continue', q.string('continue'));
  setString(opts, 'resourceVersion', q.string('resourceVersion'));
  const match = q.oneOf('resourceVersionMatch', RESOURCE_VERSION_MATCH);
  if (match !== undefined) opts.resourceVersionMatch = match;
  // Read so that bad values answer 400 on lists too, as they do in Kubernetes.
  q.int('timeoutSeconds', 0);
  q.bool('allowWatchBookmarks');
  if (q.bool('sendInitialEvents') !== undefined) {
    throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', [
      { reason: 'FieldValueForbidden', field: 'sendInitialEvents', message: 'Forbidden: sendInitialEvents is forbidden for list' },
    ]);
  }
  return opts;
}

export function parseWatchOptions(q: QueryParams): WatchOptions {
  const opts: WatchOptions = {};
  setString(opts, 'labelSelector', q.string('labelSelector'));
  setString(opts, 'fieldSelector', q.string('fieldSelector'));
  setString(opts, 'resourceVersion', q.string('resourceVersion'));
  const match = q.oneOf('resourceVersionMatch', RESOURCE_VERSION_MATCH);
  if (match !== undefined) opts.resourceVersionMatch = match;
  const bookmarks = q.bool('allowWatchBookmarks');
  if (bookmarks !== undefined) opts.allowWatchBookmarks = bookmarks;
  const initial = q.bool('sendInitialEvents');
  if (initial !== undefined) opts.sendInitialEvents = initial;
  const timeout = q.int('timeoutSeconds', 0);
  if (timeout !== undefined) opts.timeoutSeconds = timeout;
  return opts;
}

/** Watch options for `GET item?watch=true`: a watch of the collection pinned to one name. */
export function pinToName(opts: WatchOptions, name: string): WatchOptions {
  const pin = `metadata.name=${name}`;
  return { ...opts, fieldSelector: opts.fieldSelector ? `${opts.fieldSelector},${pin}` : pin };
}

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

export function parseWriteOptions(q: QueryParams, kind: 'CreateOptions' | 'UpdateOptions'): WriteOptions {
  const causes: StatusCause[] = [];
  const opts = writeOptions(q, causes);
  if (q.has('force')) causes.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  throwIfInvalid(kind, causes);
  return opts;
}

export function parsePatchOptions(q: QueryParams, type: PatchType): PatchOptions {
  const causes: StatusCause[] = [];
  const opts: PatchOptions = writeOptions(q, causes);
  const force = q.bool('force');
  if (type === 'apply') {
    if (opts.fieldManager === undefined) {
      causes.push({ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
    }
    if (force !== undefined) opts.force = force;
  } else if (force !== undefined) {
    causes.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  }
  throwIfInvalid('PatchOptions', causes);
  return opts;
}

/** Whether the client asked `orphanDependents=false`, which Kubernetes answers 202 when the object stays. */
export interface ParsedDeleteOptions {
  options: DeleteOptions;
  orphanDependents: boolean | undefined;
}

/**
 * DeleteOptions from the query and an optional body (`DeleteOptions` JSON, kind and apiVersion
 * optional). Fields of the body win over the query.
 */
export function parseDeleteOptions(q: QueryParams, body: unknown): ParsedDeleteOptions {
  const causes: StatusCause[] = [];
  const options: DeleteOptions = {};
  const grace = q.int('gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policy = q.oneOf('propagationPolicy', PROPAGATION_POLICIES);
  if (policy !== undefined) options.propagationPolicy = policy;
  let orphan = q.bool('orphanDependents');
  let dryRun = q.all('dryRun');

  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the request body must be a DeleteOptions object');
    const b = body as Record<string, unknown>;
    if (b.kind !== undefined && b.kind !== 'DeleteOptions') {
      throw badRequest(`the request body has kind ${JSON.stringify(b.kind)}; DeleteOptions was expected`);
    }
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (!Number.isSafeInteger(b.gracePeriodSeconds)) throw badRequest('gracePeriodSeconds must be an integer');
      options.gracePeriodSeconds = b.gracePeriodSeconds as number;
    }
    if (b.propagationPolicy !== undefined && b.propagationPolicy !== null) {
      if (!PROPAGATION_POLICIES.includes(b.propagationPolicy as PropagationPolicy)) {
        throw badRequest(
          `propagationPolicy: Unsupported value: ${JSON.stringify(b.propagationPolicy)}: supported values: ${PROPAGATION_POLICIES.map((p) => `"${p}"`).join(', ')}`,
        );
      }
      options.propagationPolicy = b.propagationPolicy as PropagationPolicy;
    }
    if (b.orphanDependents !== undefined && b.orphanDependents !== null) {
      if (typeof b.orphanDependents !== 'boolean') throw badRequest('orphanDependents must be a boolean');
      orphan = b.orphanDependents;
    }
    if (b.dryRun !== undefined && b.dryRun !== null) {
      if (!Array.isArray(b.dryRun) || b.dryRun.some((d) => typeof d !== 'string')) throw badRequest('dryRun must be a list of strings');
      dryRun = b.dryRun as string[];
    }
    if (b.preconditions !== undefined && b.preconditions !== null) {
      options.preconditions = parsePreconditions(b.preconditions);
    }
  }

  const dry = dryRunValue(dryRun, causes);
  if (dry) options.dryRun = true;
  if (orphan !== undefined && options.propagationPolicy !== undefined) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'propagationPolicy',
      message: 'Invalid value: orphanDependents and propagationPolicy cannot both be set',
    });
  } else if (orphan !== undefined) {
    options.propagationPolicy = orphan ? 'Orphan' : 'Background';
  }
  throwIfInvalid('DeleteOptions', causes);
  return { options, orphanDependents: orphan };
}

export function parseTableOptions(q: QueryParams): Pick<TableOptions, 'includeObject'> {
  const include = q.oneOf('includeObject', INCLUDE_OBJECT);
  return include === undefined ? {} : { includeObject: include };
}

function writeOptions(q: QueryParams, causes: StatusCause[]): WriteOptions {
  const opts: WriteOptions = {};
  if (dryRunValue(q.all('dryRun'), causes)) opts.dryRun = true;
  const manager = q.string('fieldManager');
  if (manager !== undefined && manager !== '') {
    if (manager.length > 128) {
      causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
    } else if (!/^[\x20-\x7e\u00a0-\uffff]+$/u.test(manager)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'fieldManager',
        message: `Invalid value: ${JSON.stringify(manager)}: must only contain printable characters`,
      });
    } else {
      opts.fieldManager = manager;
    }
  }
  const validation = q.string('fieldValidation');
  if (validation !== undefined && validation !== '') {
    const normal = FIELD_VALIDATION.find((v) => v.toLowerCase() === validation.toLowerCase());
    if (normal === undefined) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'fieldValidation',
        message: `Unsupported value: ${JSON.stringify(validation)}: supported values: "Ignore", "Strict", "Warn"`,
      });
    } else {
      opts.fieldValidation = normal;
    }
  }
  return opts;
}

function dryRunValue(values: string[], causes: StatusCause[]): boolean {
  if (values.length === 0) return false;
  if (values.length === 1 && values[0] === 'All') return true;
  causes.push({
    reason: 'FieldValueNotSupported',
    field: 'dryRun',
    message: `Unsupported value: ${JSON.stringify(values)}: supported values: "All"`,
  });
  return false;
}

function parsePreconditions(value: unknown): Preconditions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('preconditions must be an object');
  const p = value as Record<string, unknown>;
  const out: Preconditions = {};
  for (const key of ['uid', 'resourceVersion'] as const) {
    const v = p[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw badRequest(`preconditions.${key} must be a string`);
    out[key] = v;
  }
  return out;
}

function throwIfInvalid(kind: OptionsKind, causes: StatusCause[]): void {
  if (causes.length > 0) throw invalid({ group: 'meta.k8s.io', kind }, '', causes);
}

function setString<T extends object, K extends keyof T>(target: T, key: K, value: string | undefined): void {
  if (value !== undefined && value !== '') (target as Record<K, unknown>)[key] = value;
}
