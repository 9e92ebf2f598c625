import { badRequest } from '../../../domain/errors/api-error.js';
import type { Preconditions } from '../../../domain/meta/types.js';
import type {
  DeleteOptions,
  GetOptions,
  ListOptions,
  PatchOptions,
  TableOptions,
  WatchOptions,
  WriteOptions,
} from '../../../ports/resource-api.port.js';

/**
 * Query parameters of resource requests, parsed into the options of the ResourceApi port.
 * Values that do not parse (a limit that is not a number) answer 400 BadRequest.
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

const INCLUDE_OBJECT = ['None', 'Metadata', 'Object'] as const;

/*
 * The parsers below only type the query: strings, integers, booleans, lists. Whether a value
 * is allowed is the domain's to say (src/domain/request/options.ts), with the same answer
 * for every transport.
 */

/** Whether a GET asks for a watch (`watch=true` or `watch=1`). */
export function isWatchRequest(q: QueryParams): boolean {
  return q.bool('watch') === true;
}

export function parseGetOptions(q: QueryParams): GetOptions {
  const opts: GetOptions = {};
  setString(opts, 'resourceVersion', q.string('resourceVersion'));
  return opts;
}

export function parseListOptions(q: QueryParams): ListOptions {
  const opts: ListOptions = {};
  setString(opts, 'labelSelector', q.string('labelSelector'));
  setString(opts, 'fieldSelector', q.string('fieldSelector'));
  const limit = q.int('limit');
  if (limit !== undefined) opts.limit = limit;
  setString(opts, 'continue', q.string('continue'));
  setString(opts, 'resourceVersion', q.string('resourceVersion'));
  setString(opts, 'resourceVersionMatch', q.string('resourceVersionMatch'));
  // Read so that malformed values answer 400 on lists too, as they do in Kubernetes.
  q.int('timeoutSeconds');
  q.bool('allowWatchBookmarks');
  const initial = q.bool('sendInitialEvents');
  if (initial !== undefined) opts.sendInitialEvents = initial;
  return opts;
}

export function parseWatchOptions(q: QueryParams): WatchOptions {
  const opts: WatchOptions = {};
  setString(opts, 'labelSelector', q.string('labelSelector'));
  setString(opts, 'fieldSelector', q.string('fieldSelector'));
  setString(opts, 'resourceVersion', q.string('resourceVersion'));
  setString(opts, 'resourceVersionMatch', q.string('resourceVersionMatch'));
  const bookmarks = q.bool('allowWatchBookmarks');
  if (bookmarks !== undefined) opts.allowWatchBookmarks = bookmarks;
  const initial = q.bool('sendInitialEvents');
  if (initial !== undefined) opts.sendInitialEvents = initial;
  const timeout = q.int('timeoutSeconds');
  if (timeout !== undefined) opts.timeoutSeconds = timeout;
  return opts;
}

/** Watch options for `GET item?watch=true`: a watch of the collection pinned to one name. */
export function pinToName(opts: WatchOptions, name: string): WatchOptions {
  const pin = `metadata.name=${name}`;
  return { ...opts, fieldSelector: opts.fieldSelector ? `${opts.fieldSelector},${pin}` : pin };
}

/** CreateOptions and UpdateOptions. */
export function parseWriteOptions(q: QueryParams): WriteOptions {
  const opts: WriteOptions = {};
  const dryRun = q.all('dryRun');
  if (dryRun.length > 0) opts.dryRun = dryRun;
  setString(opts, 'fieldManager', q.string('fieldManager'));
  setString(opts, 'fieldValidation', q.string('fieldValidation'));
  return opts;
}

export function parsePatchOptions(q: QueryParams): PatchOptions {
  const opts: PatchOptions = parseWriteOptions(q);
  const force = q.bool('force');
  if (force !== undefined) opts.force = force;
  return opts;
}

/**
 * DeleteOptions from the query and an optional body (`DeleteOptions` JSON, kind and apiVersion
 * optional). Fields of the body win over the query.
 */
export function parseDeleteOptions(q: QueryParams, body: unknown): DeleteOptions {
  const options: DeleteOptions = {};
  const grace = q.int('gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  setString(options, 'propagationPolicy', q.string('propagationPolicy'));
  const orphan = q.bool('orphanDependents');
  if (orphan !== undefined) options.orphanDependents = orphan;
  const dryRun = q.all('dryRun');
  if (dryRun.length > 0) options.dryRun = dryRun;

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
      if (typeof b.propagationPolicy !== 'string') throw badRequest('propagationPolicy must be a string');
      options.propagationPolicy = b.propagationPolicy;
    }
    if (b.orphanDependents !== undefined && b.orphanDependents !== null) {
      if (typeof b.orphanDependents !== 'boolean') throw badRequest('orphanDependents must be a boolean');
      options.orphanDependents = b.orphanDependents;
    }
    if (b.dryRun !== undefined && b.dryRun !== null) {
      if (!Array.isArray(b.dryRun) || b.dryRun.some((d) => typeof d !== 'string')) throw badRequest('dryRun must be a list of strings');
      options.dryRun = b.dryRun as string[];
    }
    if (b.preconditions !== undefined && b.preconditions !== null) {
      options.preconditions = parsePreconditions(b.preconditions);
    }
  }
  return options;
}

export function parseTableOptions(q: QueryParams): Pick<TableOptions, 'includeObject'> {
  const include = q.oneOf('includeObject', INCLUDE_OBJECT);
  return include === undefined ? {} : { includeObject: include };
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

function setString<T extends object, K extends keyof T>(target: T, key: K, value: string | undefined): void {
  if (value !== undefined && value !== '') (target as Record<K, unknown>)[key] = value;
}
