/**
 * The JSON text of deeply frozen objects, when whoever made them already has it: a store that
 * keeps objects as JSON hands out frozen objects parsed from that text, and transports that
 * serialize one of them (a response, a watch frame, a list) reuse the text instead of writing
 * it again. Kubernetes' watch cache does the same with its cached serializations.
 *
 * The text travels with the object as a hidden (non-enumerable, symbol-keyed) property, which
 * copies, spreads, `JSON.stringify`, `structuredClone` and `Object.keys` all leave out, and which
 * is read only from frozen objects: nothing can change a deeply frozen object, so its text stays
 * right for as long as it lives.
 */
const JSON_TEXT = Symbol('apiserver-kit.jsonText');

/**
 * Records `text` as the JSON of `obj`, which must not be frozen yet: the caller freezes it
 * (deeply) right after, and `text` must be exactly its `JSON.stringify`.
 */
export function rememberJson(obj: object, text: string): void {
  Object.defineProperty(obj, JSON_TEXT, { value: text, enumerable: false, writable: false, configurable: false });
}

/** The JSON text recorded for `value`, if it has one and is frozen. */
export function knownJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const text = (value as { [JSON_TEXT]?: string })[JSON_TEXT];
  return text !== undefined && Object.isFrozen(value) ? text : undefined;
}
