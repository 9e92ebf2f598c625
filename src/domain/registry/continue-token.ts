import { badRequest } from '../errors/api-error.js';

/**
 * Continue tokens for paged lists: the revision the first page was read at, and the key to
 * start the next page from, relative to the collection prefix so that a token cannot reach
 * outside the collection it was issued for.
 */
export interface ContinuePosition {
  revision: number;
  /** The next key, relative to the list prefix. */
  start: string;
}

export function encodeContinue(pos: ContinuePosition): string {
  const json = JSON.stringify({ v: 'meta.k8s.io/v1', rv: pos.revision, start: pos.start });
  return base64UrlEncode(json);
}

export function decodeContinue(token: string): ContinuePosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(base64UrlDecode(token));
  } catch {
    throw badRequest('continue key is not valid: not a token issued by this server');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (
    typeof p !== 'object' ||
    p === null ||
    p.v !== 'meta.k8s.io/v1' ||
    typeof p.rv !== 'number' ||
    !Number.isSafeInteger(p.rv) ||
    p.rv <= 0 ||
    typeof p.start !== 'string'
  ) {
    throw badRequest('continue key is not valid: not a token issued by this server');
  }
  if (p.start.startsWith('/') || p.start.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw badRequest('continue key is not valid: the start key is outside the collection');
  }
  return { revision: p.rv, start: p.start };
}

// The domain has no Buffer; base64url over UTF-8 by hand keeps it pure.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64UrlEncode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '';
  }
  return out;
}

function base64UrlDecode(token: string): string {
  const clean = token.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error('bad base64');
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}
