import type { IdSource } from '../../src/ports/id-source.port.js';

/** Deterministic ids for tests: uids count up, suffixes cycle through the alphabet. */
export class SequentialIds implements IdSource {
  private n = 0;

  uid(): string {
    this.n++;
    return `00000000-0000-4000-8000-${String(this.n).padStart(12, '0')}`;
  }

  randomString(length: number, alphabet: string): string {
    this.n++;
    let out = '';
    let v = this.n;
    for (let i = 0; i < length; i++) {
      out += alphabet[v % alphabet.length];
      v = Math.floor(v / alphabet.length);
    }
    return out;
  }
}
