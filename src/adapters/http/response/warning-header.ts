/** Longest warning text sent; longer ones are cut, as Kubernetes does. */
const MAX_WARNING_LENGTH = 4 * 1024;
/** Most warnings sent with one response. */
const MAX_WARNINGS = 100;

/**
 * `Warning` header values (RFC 7234 form, code 299, agent `-`) for warnings of a write, the form
 * kubectl prints on stderr as `Warning: <text>`. Duplicates are sent once.
 */
export function warningHeaderValues(warnings: readonly string[] | undefined): string[] {
  if (!warnings || warnings.length === 0) return [];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of warnings) {
    if (typeof w !== 'string') continue;
    let text = w.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    if (text.length > MAX_WARNING_LENGTH) text = `${text.slice(0, MAX_WARNING_LENGTH)}...`;
    const escaped = text.replace(/[\\"]/g, (c) => `\\${c}`);
    // Node writes header strings as Latin-1: handing it the UTF-8 bytes that way puts UTF-8 on
    // the wire, which is what clients decode.
    out.push(`299 - "${Buffer.from(escaped, 'utf8').toString('latin1')}"`);
    if (out.length >= MAX_WARNINGS) break;
  }
  return out;
}
