import { stringify } from 'yaml';
import type { Encoding } from '../negotiation/output-format.js';

/** Encodes a response body as JSON or YAML. */
export function encodeBody(body: unknown, encoding: Encoding): string {
  if (encoding === 'yaml') return stringify(body, { aliasDuplicateObjects: false, lineWidth: 0 });
  return JSON.stringify(body);
}
