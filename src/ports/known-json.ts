/**
 * The JSON text of deeply frozen objects, when whoever made them already has it: a store that
 * keeps objects as JSON hands out frozen objects parsed from that text, and transports that
 * serialize one of them (a response, a watch frame, a list) reuse the text instead of writing
 * it again. Kubernetes' watch cache does the same with its cached serializations.
 *
 * The contract: `rememberJson(obj, text)` only for an object that is deeply frozen and whose
 * `JSON.stringify` is exactly `text`; since nothing can change such an object, the text stays
 * right for as long as the object lives. Entries are held weakly, by the object.
 */
const texts = new WeakMap<object, string>();

/** Records `text` as the JSON of `frozen`, which must be deeply frozen and serialize to exactly `text`. */
export function rememberJson(frozen: object, text: string): void {
  texts.set(frozen, text);
}

/** The JSON text recorded for `value`, if any. */
export function knownJson(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
