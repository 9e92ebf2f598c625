/**
 * The error of an apply that would change fields other managers own: 409 Conflict, reason
 * Conflict, one `FieldManagerConflict` cause per field and manager, worded as Kubernetes words
 * it so that clients (kubectl) show the same text:
 *
 *     Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using demo.example.com/v1: .spec.replicas
 *
 *     Apply failed with 2 conflicts: conflicts with "a":
 *     - .spec.x
 *     conflicts with "b" using v1:
 *     - .spec.y
 */

import { ApiError, type StatusCause } from '../errors/api-error.js';
import type { FieldSet } from './field-set.js';
import { compareStrings } from './json-values.js';
import type { ManagerIdentity } from './managers.js';
import { formatFieldPath } from './path-element.js';

export const FIELD_MANAGER_CONFLICT = 'FieldManagerConflict';

/** A manager as conflict messages name it: `"name"`, `"name" with subresource "status"`, `... using v1`. */
export function describeManager(m: ManagerIdentity): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}

/** One conflicting field and the manager that owns it. */
export interface ApplyConflict {
  readonly manager: ManagerIdentity;
  readonly managerId: string;
  readonly path: string;
}

/** Lists conflicts by manager identifier, then by path in set order. */
export function listConflicts(conflicts: ReadonlyMap<string, { manager: ManagerIdentity; set: FieldSet }>): ApplyConflict[] {
  const ids = [...conflicts.keys()].sort(compareStrings);
  const out: ApplyConflict[] = [];
  for (const id of ids) {
    const { manager, set } = conflicts.get(id)!;
    for (const p of set.paths()) out.push({ manager, managerId: id, path: formatFieldPath(p) });
  }
  return out;
}

/** The Conflict ApiError for a non-empty list of conflicts. */
export function applyConflictError(conflicts: readonly ApplyConflict[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: FIELD_MANAGER_CONFLICT,
    message: `conflict with ${describeManager(c.manager)}`,
    field: c.path,
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${conflicts[0].path}`;
  } else {
    const lines: string[] = [];
    let current: string | undefined;
    for (const c of conflicts) {
      if (c.managerId !== current) {
        current = c.managerId;
        lines.push(`conflicts with ${describeManager(c.manager)}:`);
      }
      lines.push(`- ${c.path}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', 409, message, { causes });
}
