/**
 * `metadata.managedFields` as the engine works with it: one field set per manager, where a
 * manager is a name, an operation (Apply or Update), for Update the apiVersion it wrote with,
 * and the subresource it wrote through. Decoding reads the wire entries; encoding writes them
 * back in Kubernetes' order (Apply entries first, then by time, name, apiVersion, subresource).
 */

import type { ManagedFieldsEntry } from '../meta/types.js';
import type { FieldSet } from './field-set.js';
import { parseFieldsV1, serializeFieldsV1 } from './fields-v1.js';
import { compareStrings } from './json-values.js';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagerIdentity {
  readonly manager: string;
  readonly operation: ManagedOperation;
  /** The apiVersion written with; part of the identity of Update managers only. */
  readonly apiVersion: string;
  /** '' for the main resource. */
  readonly subresource: string;
}

export interface ManagerState extends ManagerIdentity {
  /** The apiVersion last written with (an Apply manager's follows its latest apply). */
  apiVersion: string;
  /** RFC 3339 time of the manager's last change, when known. */
  time: string | undefined;
  set: FieldSet;
}

/** The managers of one object, by identifier. */
export type Managers = Map<string, ManagerState>;

/**
 * A manager's identifier: its identity as JSON, the way Kubernetes builds it (an Apply
 * manager's apiVersion is left out, so a manager that applies with a new version stays itself).
 */
export function managerIdentifier(m: ManagerIdentity): string {
  const id: Record<string, string> = {};
  if (m.manager) id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation === 'Update' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Why an entry of managedFields cannot be used. */
export function managedFieldsEntryProblem(entry: unknown): string | undefined {
  const problem = entryHeaderProblem(entry);
  if (problem !== undefined) return problem;
  try {
    parseFieldsV1((entry as ManagedFieldsEntry).fieldsV1);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** Why an entry cannot be used, its fieldsV1 aside. */
function entryHeaderProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'must be an object';
  const e = entry as ManagedFieldsEntry;
  if (e.operation !== 'Apply' && e.operation !== 'Update') return 'operation must be `Apply` or `Update`';
  if (e.fieldsType !== 'FieldsV1') return 'fieldsType must be `FieldsV1`';
  if (e.manager !== undefined && typeof e.manager !== 'string') return 'manager must be a string';
  if (e.apiVersion !== undefined && typeof e.apiVersion !== 'string') return 'apiVersion must be a string';
  if (e.subresource !== undefined && typeof e.subresource !== 'string') return 'subresource must be a string';
  if (e.time !== undefined && (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time)))) return 'time must be an RFC 3339 time';
  return undefined;
}

/** Reads managedFields entries; entries that cannot be read are left out. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined | null): Managers {
  const managers: Managers = new Map();
  if (!Array.isArray(entries)) return managers;
  for (const entry of entries as unknown[]) {
    if (entryHeaderProblem(entry) !== undefined) continue;
    const e = entry as ManagedFieldsEntry;
    let set: FieldSet;
    try {
      set = parseFieldsV1(e.fieldsV1);
    } catch {
      continue;
    }
    const state: ManagerState = {
      manager: e.manager ?? '',
      operation: e.operation!,
      apiVersion: e.apiVersion ?? '',
      subresource: e.subresource ?? '',
      time: e.time,
      set,
    };
    const id = managerIdentifier(state);
    const prev = managers.get(id);
    if (prev) {
      prev.set = prev.set.union(state.set);
      if (seconds(state.time) >= seconds(prev.time)) prev.time = state.time;
    } else {
      managers.set(id, state);
    }
  }
  return managers;
}

function seconds(time: string | undefined): number {
  if (time === undefined) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Writes managers as managedFields entries, in Kubernetes' order; managers owning nothing are left out. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const states = [...managers.values()].filter((m) => !m.set.isEmpty());
  states.sort(
    (a, b) =>
      compareStrings(a.operation, b.operation) ||
      seconds(a.time) - seconds(b.time) ||
      compareStrings(a.manager, b.manager) ||
      compareStrings(a.apiVersion, b.apiVersion) ||
      compareStrings(a.subresource, b.subresource),
  );
  return states.map((m) => {
    const entry: ManagedFieldsEntry = {};
    if (m.manager) entry.manager = m.manager;
    entry.operation = m.operation;
    if (m.apiVersion) entry.apiVersion = m.apiVersion;
    if (m.time !== undefined) entry.time = m.time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = serializeFieldsV1(m.set);
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

/** How many Update managers an object keeps before the oldest are merged, as in Kubernetes. */
export const MAX_UPDATE_MANAGERS = 10;

/** The name of the manager that the oldest Update managers are merged into. */
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * Keeps at most `max` Update managers: the oldest are merged, per apiVersion, into one
 * `ancient-changes` manager (which takes the time of the newest merged in).
 */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort((a, b) => seconds(managers.get(a)!.time) - seconds(managers.get(b)!.time) || compareStrings(a, b));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const m = managers.get(id)!;
    const bucketId = managerIdentifier({ manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: m.apiVersion, subresource: '' });
    const first = firstByVersion.get(m.apiVersion);
    if (first === undefined) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    let bucket = managers.get(bucketId);
    if (!bucket) {
      const f = managers.get(first)!;
      managers.delete(first);
      bucket = { manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: m.apiVersion, subresource: '', time: f.time, set: f.set };
      managers.set(bucketId, bucket);
    }
    bucket.set = bucket.set.union(m.set);
    bucket.time = m.time;
    managers.delete(id);
    length--;
  }
}
