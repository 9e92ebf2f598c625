/**
 * Fields no manager owns: the object's identity and the server's bookkeeping. Kubernetes
 * strips them from a manager's set after each write.
 */

import { fieldNames, OBJECT_META, type FieldDescription } from '../meta/object-meta-description.js';
import { FieldSet } from './field-set.js';
import { fieldElement } from './path-element.js';

/** Top-level fields that are never owned themselves (what is below them may be). */
export const UNOWNED_TOP_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Fields of metadata that are never owned themselves: those the description marks
 * `apply.owned: false`, and clusterName: no longer an ObjectMeta field, but on the list of
 * fields Kubernetes' field manager strips (objects written before its removal may carry it).
 */
export const UNOWNED_META_FIELDS: ReadonlySet<string> = new Set([
  ...fieldNames(OBJECT_META).filter((name) => (OBJECT_META.fields[name] as FieldDescription).apply?.owned === false),
  'clusterName',
]);

/** `.apiVersion`, `.kind`, `.metadata` itself and the metadata fields the server sets or that name the object. */
export const UNOWNED_FIELDS: FieldSet = FieldSet.of(
  ...[...UNOWNED_TOP_FIELDS].map((name) => [fieldElement(name)]),
  ...[...UNOWNED_META_FIELDS].map((name) => [fieldElement('metadata'), fieldElement(name)]),
);

/** The set without the fields no manager owns (exact paths: labels below metadata stay). */
export function withoutUnownedFields(set: FieldSet): FieldSet {
  return set.difference(UNOWNED_FIELDS);
}
