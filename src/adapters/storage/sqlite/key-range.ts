/**
 * The half-open key range `[low, high)` that holds exactly the keys starting with `prefix`,
 * for SQL range conditions that an index on `key` can serve.
 *
 * SQLite compares TEXT with memcmp over UTF-8 (code point order), so incrementing the last
 * code unit of the prefix gives the first string after every key that starts with it. Port
 * prefixes end in `/`, whose successor is `0`. The empty prefix selects every key.
 */
export interface KeyRange {
  low: string;
  high: string;
}

/** Above every key a caller can write in practice (keys are path segments of names). */
const TOP = '\u{10FFFF}';

export function keyRange(prefix: string): KeyRange {
  if (prefix === '') return { low: '', high: TOP };
  const last = prefix.charCodeAt(prefix.length - 1);
  return { low: prefix, high: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}
