import { readFileSync } from 'node:fs';
import type { BearerTokenEntry } from './bearer-token-authenticator.js';

/**
 * Reads kube-apiserver's static token file (`--token-auth-file`): CSV, one token a line,
 * `token,user,uid[,"group1,group2"]`. Blank lines are skipped; a line with fewer than three
 * columns, or a quote out of place, fails the whole file with its line number. A line with an
 * empty token is skipped (Kubernetes warns and does the same); of a token given twice the last
 * line wins.
 */
export function readTokenFile(path: string): BearerTokenEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`token file ${path}: ${(err as Error).message}`);
  }
  return parseTokenFile(text, path);
}

export function parseTokenFile(text: string, path = 'token file'): BearerTokenEntry[] {
  const byToken = new Map<string, BearerTokenEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    let record: string[];
    try {
      record = parseCsvLine(line);
    } catch (err) {
      throw new Error(`${path} line ${i + 1}: ${(err as Error).message}`);
    }
    if (record.length < 3) {
      throw new Error(`${path} line ${i + 1}: needs at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    const [token, username, uid, groups] = record;
    if (token === '') continue;
    if (/\s/.test(token)) throw new Error(`${path} line ${i + 1}: a token must not contain white space`);
    if (username === '') throw new Error(`${path} line ${i + 1}: the user name is empty`);
    const user = { username, uid, groups: groups === undefined || groups === '' ? [] : groups.split(',') };
    byToken.delete(token);
    byToken.set(token, { token, user });
  }
  return [...byToken.values()];
}

/** One CSV record: comma-separated fields, a field may be quoted ("" inside is a quote). */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('a quoted field is not closed');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') throw new Error('extra text after a quoted field');
    } else {
      const end = line.indexOf(',', i);
      field = end < 0 ? line.slice(i) : line.slice(i, end);
      if (field.includes('"')) throw new Error('a quote inside an unquoted field');
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}
