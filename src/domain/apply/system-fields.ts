/**
 * Fields no manager owns: the object's identity and the server's bookkeeping. Kubernetes
 * strips them from a manager's set after each write.
 */

import { FieldSet } from './field-set.js';
import { fieldElement } from './path-element.js';

const META_FIELDS = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'];

/** `.apiVersion`, `.kind`, `.metadata` itself and the metadata fields the server sets or that name the object. */
export const UNOWNED_FIELDS: FieldSet = FieldSet.of(
  [fieldElement('apiVersion')],
  [fieldElement('kind')],
  [fieldElement('metadata')],
  ...META_FIELDS.map((name) => [fieldElement('metadata'), fieldElement(name)]),
);

/** The set without the fields no manager owns (exact paths: labels below metadata stay). */
export function withoutUnownedFields(set: FieldSet): FieldSet {
  return set.difference(UNOWNED_FIELDS);
}
