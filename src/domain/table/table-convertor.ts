/**
 * Objects as a meta.k8s.io/v1 Table, the answer to `kubectl get` (which asks with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Follows what the Kubernetes API
 * server does for custom resources (apiextensions-apiserver's table convertor): a Name column,
 * then the type's printer columns, or Age when it declares none; cells computed on the server,
 * ages rendered on the server's clock.
 */

import type { Table, TableColumnDefinition, TableOptions, TableRow } from '../../ports/resource-api.port.js';
import type { KubeObject } from '../meta/types.js';
import type { PrinterColumn, ResourceDefinition } from '../resource/resource-definition.js';
import { compileJsonPath, type CompiledJsonPath } from '../jsonpath/json-path.js';
import { humanDuration } from './human-duration.js';

const NAME_DESCRIPTION =
  'The name of the object, unique among objects of its type in its namespace (cluster-wide for ' +
  'cluster-scoped types). Required on create unless generateName is set; cannot be changed ' +
  'afterwards. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

const CREATION_TIMESTAMP_DESCRIPTION =
  'When the server created the object (RFC 3339, UTC), shown as the time elapsed since then. ' +
  'Set by the server; clients cannot set it.';

/** The first column of every table: the object's name. */
export const NAME_COLUMN: Readonly<TableColumnDefinition> = Object.freeze({
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DESCRIPTION,
  priority: 0,
});

/** The column served for a type that declares no printer columns, as Kubernetes does for CRDs. */
export const AGE_PRINTER_COLUMN: Readonly<PrinterColumn> = Object.freeze({
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: CREATION_TIMESTAMP_DESCRIPTION,
});

const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

/** The printer columns a type's tables show after Name: its own, or Age when it has none. */
export function effectivePrinterColumns(def: Pick<ResourceDefinition, 'printerColumns'>): readonly PrinterColumn[] {
  return def.printerColumns.length > 0 ? def.printerColumns : [AGE_PRINTER_COLUMN];
}

/**
 * What is wrong with a list of printer columns, one message per problem (empty when they are
 * fine): a missing name, a duplicate name, an unknown type, a negative priority, or a jsonPath
 * that does not parse. Meant for checking a definition up front; {@link convertToTable} itself
 * tolerates bad columns (their cells are null) so that one typo does not break `kubectl get`.
 */
export function printerColumnProblems(columns: readonly PrinterColumn[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  columns.forEach((col, i) => {
    const where = `printerColumns[${i}]`;
    if (!col.name) problems.push(`${where}.name: must not be empty`);
    else if (seen.has(col.name) || col.name === NAME_COLUMN.name) problems.push(`${where}.name: duplicate column "${col.name}"`);
    seen.add(col.name);
    if (!COLUMN_TYPES.has(col.type)) {
      problems.push(`${where}.type: must be one of string, integer, number, boolean, date, not "${col.type}"`);
    }
    if (col.priority !== undefined && (!Number.isInteger(col.priority) || col.priority < 0)) {
      problems.push(`${where}.priority: must be a non-negative integer`);
    }
    try {
      compileJsonPath(col.jsonPath);
    } catch (err) {
      problems.push(`${where}.jsonPath: ${(err as Error).message}`);
    }
  });
  return problems;
}

/**
 * Renders objects as a meta.k8s.io/v1 Table.
 *
 * Columns: `Name` first, then the type's printer columns in order, or `Age`
 * (`.metadata.creationTimestamp` as a date) when the type declares none. Every column is always
 * present, whatever its priority: as with Kubernetes, the client hides priority > 0 columns
 * unless asked for `-o wide`, so `opts.wide` changes nothing here. A column's description is its
 * own, or one naming its JSONPath.
 *
 * Cells: the name, then per column the first value its JSONPath selects, rendered by type as
 * Kubernetes does for custom resources:
 * - `string`: strings as they are, numbers and booleans as text, objects and arrays as compact
 *   JSON, a JSON null as `<no value>`;
 * - `integer`: a number, truncated toward zero; `number`: a number; `boolean`: a boolean;
 * - `date`: an RFC 3339 string rendered as the age relative to `now` (`5m`, `3d4h`, see
 *   {@link humanDuration}), `<invalid>` for a string that is not RFC 3339, `<unknown>` for an
 *   empty one;
 * - null when the path selects nothing, the value has the wrong type for the column, or the
 *   column's path is invalid; kubectl prints null cells as `<none>`.
 *
 * Rows carry `object` by `opts.includeObject`: `Metadata` (the default) a
 * PartialObjectMetadata with the object's full metadata (kubectl needs it for `-A` and
 * `--show-labels`), `Object` the object itself, `None` nothing. Row objects are the given
 * objects' own values, not copies. The table's metadata is `opts.listMeta`.
 */
export function convertToTable(
  def: Pick<ResourceDefinition, 'printerColumns'>,
  objects: readonly KubeObject[],
  now: Date,
  opts: TableOptions = {},
): Table {
  const columns = effectivePrinterColumns(def).map(compileColumn);
  const nowMs = now.getTime();
  const rows = objects.map((obj): TableRow => {
    const cells: unknown[] = [obj.metadata?.name ?? ''];
    for (const column of columns) cells.push(cellFor(column, obj, nowMs));
    const row: TableRow = { cells };
    switch (opts.includeObject) {
      case 'None':
        break;
      case 'Object':
        row.object = obj;
        break;
      default:
        row.object = {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: obj.metadata,
        };
    }
    return row;
  });

  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetaOf(opts),
    columnDefinitions: [{ ...NAME_COLUMN }, ...columns.map((c) => c.definition)],
    rows,
  };
}

interface CompiledColumn {
  type: string;
  path: CompiledJsonPath | undefined;
  definition: TableColumnDefinition;
}

function compileColumn(col: PrinterColumn): CompiledColumn {
  let path: CompiledJsonPath | undefined;
  try {
    path = compileJsonPath(col.jsonPath);
  } catch {
    path = undefined;
  }
  return {
    type: col.type,
    path,
    definition: {
      name: col.name,
      type: col.type,
      format: col.format ?? '',
      description: col.description || `The value at ${col.jsonPath} (a JSONPath into the object).`,
      priority: col.priority ?? 0,
    },
  };
}

function listMetaOf(opts: TableOptions): Table['metadata'] {
  const meta: Table['metadata'] = {};
  const src = opts.listMeta;
  if (src?.resourceVersion !== undefined) meta.resourceVersion = src.resourceVersion;
  if (src?.continue !== undefined) meta.continue = src.continue;
  if (src?.remainingItemCount !== undefined) meta.remainingItemCount = src.remainingItemCount;
  return meta;
}

function cellFor(column: CompiledColumn, obj: KubeObject, nowMs: number): unknown {
  if (!column.path) return null;
  let results: unknown[];
  try {
    results = column.path.evaluate(obj);
  } catch {
    return null;
  }
  if (results.length === 0) return null;
  const value = results[0];
  switch (column.type) {
    case 'string':
      return printValue(value);
    case 'integer':
      return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? ageOf(value, nowMs) : null;
    default:
      return null;
  }
}

function ageOf(timestamp: string, nowMs: number): string {
  // Kubernetes reads "" and "null" as the zero time, which it prints as unknown.
  if (timestamp === '' || timestamp === 'null') return '<unknown>';
  const ms = parseRfc3339(timestamp);
  return ms === undefined ? '<invalid>' : humanDuration(nowMs - ms);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when it is not one. */
function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offH = m[9] === undefined ? 0 : Number(m[9]);
  const offM = m[10] === undefined ? 0 : Number(m[10]);
  if (month < 1 || month > 12) return undefined;
  const daysInMonth = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > daysInMonth) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) return undefined;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  // Date.UTC maps years 0-99 to 1900-1999; set the year separately to keep it literal.
  date.setUTCFullYear(year);
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  const offset = (m[8] === '-' ? -1 : 1) * (offH * 60 + offM) * 60_000;
  return date.getTime() + fraction - offset;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A value as Go's text formatting prints it, which is what a Kubernetes string cell holds. */
function printValue(value: unknown): string {
  if (value === null) return '<no value>';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return goNumber(value);
    case 'boolean':
      return String(value);
    case 'object':
      return goJson(value);
    default:
      return String(value);
  }
}

/**
 * Kubernetes decodes JSON integers as int64 and prints them in full; other numbers are float64,
 * printed in the shortest form with an exponent below 1e-4 and from 1e6 up (`1.5e+06`).
 */
function goNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}

/** JSON as Go's encoder writes it: object keys sorted, and <, >, & escaped for HTML safety. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        Object.defineProperty(out, key, {
          value: sorted((v as Record<string, unknown>)[key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  try {
    return (JSON.stringify(sorted(value)) ?? 'null')
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029');
  } catch {
    return '<invalid>';
  }
}
