import { randomInt, randomUUID } from 'node:crypto';
import { injectable } from 'inversify';
import type { IdSource } from '../../ports/id-source.port.js';

/** UIDs and name suffixes from the operating system's secure random source. */
@injectable()
export class CryptoIdSource implements IdSource {
  uid(): string {
    return randomUUID();
  }

  randomString(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
    return out;
  }
}
