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
