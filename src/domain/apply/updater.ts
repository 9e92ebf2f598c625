/**
 * The ownership rules of structured-merge-diff, over plain objects and field sets:
 *
 * - Any write: fields the write changes or adds stop being owned by every other manager
 *   (for an apply without force, that is a conflict instead), and fields it removes stop being
 *   owned by anyone else.
 * - Update (PUT, merge or JSON patch): the writer comes to own what it changed or added.
 * - Apply: the applied configuration is merged into the live object; the applier owns exactly
 *   the fields of its configuration; fields it applied before and no longer applies are
 *   removed from the object unless another manager owns them.
 *
 * Managers are changed in place; callers pass a copy.
 */

import { FieldSet } from './field-set.js';
import { compareObjects, type Comparison } from './compare.js';
import { mergeObjects } from './merge.js';
import { fieldSetOf } from './object-field-set.js';
import type { ManagerIdentity, Managers } from './managers.js';
import { ensureNamedFieldsAreMembers } from './named-fields.js';
import { removeItems } from './remove-items.js';
import type { Shape } from './shape.js';

export interface UpdaterContext {
  readonly shape: Shape;
  /** Narrows a set to the fields the write tracks. */
  readonly track: (set: FieldSet) => FieldSet;
}

/** Fields other managers own that an apply would change: by manager identifier. */
export class OwnershipConflicts extends Error {
  constructor(readonly conflicts: Map<string, { manager: ManagerIdentity; set: FieldSet }>) {
    super('apply conflicts with other managers');
    this.name = 'OwnershipConflicts';
  }
}

function filtered(c: Comparison, track: (s: FieldSet) => FieldSet): Comparison {
  return { added: track(c.added), modified: track(c.modified), removed: track(c.removed) };
}

/**
 * Moves ownership for a write from `before` to `after` by `writer`: changed fields leave the
 * other managers (or, without force, raise OwnershipConflicts), removed fields leave them too,
 * and managers left with nothing are dropped.
 */
export function transferOwnership(
  before: unknown,
  after: unknown,
  managers: Managers,
  writer: string,
  force: boolean,
  ctx: UpdaterContext,
): Comparison {
  const cmp = filtered(compareObjects(before, after, ctx.shape), ctx.track);
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, { manager: ManagerIdentity; set: FieldSet }>();
  for (const [id, m] of managers) {
    if (id === writer) continue;
    const c = m.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(id, { manager: m, set: c });
  }
  if (!force && conflicts.size > 0) throw new OwnershipConflicts(conflicts);
  for (const [id, c] of conflicts) {
    const m = managers.get(id)!;
    m.set = m.set.difference(c.set);
  }
  if (!cmp.removed.isEmpty()) {
    for (const [id, m] of managers) if (id !== writer) m.set = m.set.difference(cmp.removed);
  }
  for (const [id, m] of managers) if (m.set.isEmpty()) managers.delete(id);
  return cmp;
}

/**
 * A non-apply write: returns the fields `writer` changed (what it comes to own by this write),
 * having taken them, and the fields it removed, away from every other manager.
 */
export function updateOwnership(before: unknown, after: unknown, managers: Managers, writer: string, ctx: UpdaterContext): FieldSet {
  const cmp = transferOwnership(before, after, managers, writer, true, ctx);
  return ctx.track(cmp.modified.union(cmp.added));
}

/**
 * An apply by `applier` (whose state in `managers` is replaced by its new configuration's
 * fields): returns the merged object, pruned of the applier's abandoned fields. Throws
 * OwnershipConflicts unless `force`.
 */
export function applyOwnership(
  live: unknown,
  config: unknown,
  managers: Managers,
  applier: ManagerIdentity & { id: string; time: string | undefined },
  force: boolean,
  ctx: UpdaterContext,
): unknown {
  let merged = mergeObjects(live, config, ctx.shape);
  const lastSet = managers.get(applier.id)?.set;
  const set = ctx.track(fieldSetOf(config, ctx.shape));
  managers.set(applier.id, {
    manager: applier.manager,
    operation: applier.operation,
    apiVersion: applier.apiVersion,
    subresource: applier.subresource,
    time: applier.time,
    set,
  });
  if (lastSet && !lastSet.isEmpty()) merged = prune(merged, managers, lastSet, set, ctx.shape);
  transferOwnership(live, merged, managers, applier.id, force, ctx);
  return merged;
}

/**
 * Removes from `merged` what the applier owned before (`lastSet`) and no manager owns now,
 * the applier's new configuration included. An object the applier's old fields were in goes
 * with them when nothing in it is owned any more.
 */
function prune(merged: unknown, managers: Managers, lastSet: FieldSet, newSet: FieldSet, shape: Shape): unknown {
  const last = ensureNamedFieldsAreMembers(lastSet, shape);
  // The common case, an applier applying again all it applied before (or more): a configuration's
  // set holds every step above each of its fields, so nothing it owned before can be left unowned.
  if (last.isSubsetOf(ensureNamedFieldsAreMembers(newSet, shape))) return merged;
  const named = (v: unknown) => ensureNamedFieldsAreMembers(fieldSetOf(v, shape), shape);
  const pruned = removeItems(merged, last, shape);
  const owned = new FieldSet();
  for (const m of managers.values()) owned.addAll(m.set);
  const mergedSet = named(merged);
  // Put back whatever a manager owns.
  const keptSet = named(pruned).union(ensureNamedFieldsAreMembers(owned, shape));
  const ownedBack = removeItems(merged, mergedSet.difference(keptSet), shape);
  // Take away only what the applier owned before: fields nobody owned stay as they were.
  const gone = mergedSet.difference(named(ownedBack)).intersection(last);
  return removeItems(merged, gone, shape);
}
