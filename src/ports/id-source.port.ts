/** Identifiers the domain cannot make deterministically on its own. */
export interface IdSource {
  /** A new RFC 4122 UUID for metadata.uid. */
  uid(): string;
  /** `length` random characters from `alphabet`, for generateName suffixes. */
  randomString(length: number, alphabet: string): string;
}

export const ID_SOURCE = Symbol.for('apiserver-kit.IdSource');
