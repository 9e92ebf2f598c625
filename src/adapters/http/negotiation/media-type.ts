/** A parsed media type: `application/json;as=Table;v=v1;g=meta.k8s.io`. */
export interface MediaType {
  /** `type/subtype`, lower-cased. */
  type: string;
  /** Parameters with lower-cased names; values as sent (quotes removed). */
  params: Record<string, string>;
  /** The `q` weight of an Accept clause; 1 when absent. */
  q: number;
}

/** Parses one media type; undefined when it is not `type/subtype`. */
export function parseMediaType(text: string): MediaType | undefined {
  const parts = splitOutsideQuotes(text, ';');
  const type = (parts.shift() ?? '').trim().toLowerCase();
  // `@` is not a token character, but clients send it (`...spec.v2@v1.0+protobuf`).
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+\/[a-z0-9!#$%&'*+.^_`|~@-]+$/.test(type)) return undefined;
  const params: Record<string, string> = {};
  let q = 1;
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (name === 'q') {
      const n = Number(value);
      q = Number.isFinite(n) && n >= 0 && n <= 1 ? n : 1;
      continue;
    }
    params[name] = value;
  }
  return { type, params, q };
}

/**
 * Parses an Accept header into clauses, best first: by `q`, then as sent. Clauses that are not
 * media types are skipped; `q=0` clauses are dropped.
 */
export function parseAccept(header: string | undefined): MediaType[] {
  if (header === undefined || header.trim() === '') return [];
  const clauses = splitOutsideQuotes(header, ',')
    .map((c) => parseMediaType(c))
    .filter((m): m is MediaType => m !== undefined && m.q > 0);
  return clauses
    .map((m, i) => ({ m, i }))
    .sort((a, b) => b.m.q - a.m.q || a.i - b.i)
    .map((x) => x.m);
}

function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === sep && !quoted) {
      out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  out.push(current);
  return out;
}
