import { stringify } from 'yaml';
import { knownJson } from '../../../ports/known-json.js';
import type { Encoding } from '../negotiation/output-format.js';

/** Encodes a response body as JSON or YAML. */
export function encodeBody(body: unknown, encoding: Encoding): string {
  if (encoding === 'yaml') return stringify(body, { aliasDuplicateObjects: false, lineWidth: 0 });
  return encodeJson(body);
}

/**
 * JSON of a body, reusing the text a store already has for an object or for the items of a
 * list (see src/ports/known-json.ts): a list of 100k stored objects then costs a join instead of
 * serializing every object again.
 */
export function encodeJson(body: unknown): string {
  const known = knownJson(body);
  if (known !== undefined) return known;
  const items = listItems(body);
  if (items === undefined || items.length === 0) return JSON.stringify(body);
  const texts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const text = knownJson(items[i]);
    if (text === undefined) return JSON.stringify(body);
    texts[i] = text;
  }
  return encodeJsonList(body as object, texts);
}

/** JSON of a list given without its items, and its items' JSON: the items go last, as Kubernetes writes them. */
export function encodeJsonList(list: object, items: readonly string[]): string {
  const { items: _items, ...rest } = list as { items?: unknown };
  const head = JSON.stringify(rest);
  // `rest` is a plain object, so its JSON ends with `}`.
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"items":[${items.join(',')}]}`;
}

function listItems(body: unknown): unknown[] | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  if (Object.getPrototypeOf(body) !== Object.prototype) return undefined;
  const items = (body as { items?: unknown }).items;
  return Array.isArray(items) && typeof (body as { toJSON?: unknown }).toJSON !== 'function' ? items : undefined;
}
