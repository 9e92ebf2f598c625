/** Patches a client may send: JSON Patch (RFC 6902) and JSON Merge Patch (RFC 7396). */
export {
  applyJsonPatch,
  decodeJsonPatch,
  formatJsonPointer,
  parseJsonPointer,
  MAX_JSON_PATCH_COPY_BYTES,
  MAX_JSON_PATCH_OPERATIONS,
  type JsonPatchOperation,
  type JsonPatchOptions,
} from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';

import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';

/**
 * Applies a JSON patch or a merge patch to `doc`. Like both patch functions, it leaves `doc`
 * and `patch` untouched (frozen ones too) and returns a document sharing nothing with them,
 * so callers need no copy of their own.
 */
export function applyPatchOfType(type: 'json' | 'merge', doc: unknown, patch: unknown): unknown {
  return type === 'json' ? applyJsonPatch(doc, patch) : applyMergePatch(doc, patch);
}
