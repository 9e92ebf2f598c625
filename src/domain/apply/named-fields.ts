/**
 * Set operations that need the shape: making declared object fields members when fields
 * below them are (so that pruning an applier's old fields can remove the object it created),
 * folding fields below a value that became atomic into the value itself (when a schema
 * changed a list or object to atomic since the managed fields were written), and leaving out
 * fields an object schema does not declare (admission drops them from the object).
 */

import { FieldSet } from './field-set.js';
import type { PathElement } from './path-element.js';
import { childShape, UNTYPED, type Shape } from './shape.js';

/** The shape below one step of a path. */
function shapeBelow(shape: Shape, pe: PathElement): Shape {
  if (shape.kind === 'map' && pe.type === 'field') return childShape(shape, pe.name);
  if (shape.kind === 'list' && (pe.type === 'key' || pe.type === 'value')) return shape.items;
  return UNTYPED;
}

/** The set plus, as members, every declared object field that has fields of the set below it. */
export function ensureNamedFieldsAreMembers(set: FieldSet, shape: Shape): FieldSet {
  const out = new FieldSet();
  set.forEachMember((pe) => out.insertMember(pe));
  set.forEachChild((pe, below) => {
    if (pe.type === 'field' && shape.kind === 'map' && shape.fields.has(pe.name)) out.insertMember(pe);
    out.adoptBelow(pe, ensureNamedFieldsAreMembers(below, shapeBelow(shape, pe)));
  });
  return out;
}

/**
 * The set with any fields below an atomic value (a scalar, an atomic list or object) replaced
 * by the value itself. Unchanged when the set fits the shape.
 */
export function reconcileWithShape(set: FieldSet, shape: Shape): FieldSet {
  return fitsShape(set, shape) ? set : reconciled(set, shape);
}

function isAtomic(s: Shape): boolean {
  return s.kind === 'scalar' || (s.kind === 'list' && s.listType === 'atomic') || (s.kind === 'map' && s.atomic);
}

/** Whether no path of the set goes below an atomic value (the common case: nothing to copy). */
function fitsShape(set: FieldSet, shape: Shape): boolean {
  let fits = true;
  set.forEachChild((pe, below) => {
    if (!fits) return;
    const s = shapeBelow(shape, pe);
    fits = !isAtomic(s) && fitsShape(below, s);
  });
  return fits;
}

function reconciled(set: FieldSet, shape: Shape): FieldSet {
  const out = new FieldSet();
  set.forEachMember((pe) => out.insertMember(pe));
  set.forEachChild((pe, below) => {
    const s = shapeBelow(shape, pe);
    if (isAtomic(s)) out.insertMember(pe);
    else {
      const r = reconcileWithShape(below, s);
      out.adoptBelow(pe, r === below ? r.clone() : r);
    }
  });
  return out;
}

/**
 * The set without the fields that objects with a closed schema (declared fields only, no
 * type for other keys) do not declare, nor anything below them. Admission drops such fields
 * from the object (with a warning, or rejects them under Strict validation), so a manager
 * must not own them: it would own a field the object can never hold, and conflict with any
 * other manager applying it. Untyped values keep everything below them.
 */
export function withoutUndeclaredFields(set: FieldSet, shape: Shape): FieldSet {
  if (shape.kind === 'untyped' || shape.kind === 'scalar') return set;
  const declared = (pe: PathElement) =>
    shape.kind !== 'map' || pe.type !== 'field' || shape.fields.has(pe.name) || shape.values !== undefined;
  const out = new FieldSet();
  set.forEachMember((pe) => {
    if (declared(pe)) out.insertMember(pe);
  });
  set.forEachChild((pe, below) => {
    if (!declared(pe)) return;
    const kept = withoutUndeclaredFields(below, shapeBelow(shape, pe));
    // `kept` may be `below` itself (an untyped value): copy it then, never share it.
    if (!kept.isEmpty()) out.adoptBelow(pe, kept === below ? kept.clone() : kept);
  });
  return out;
}
