import type { KubeObject } from '../../../domain/meta/types.js';
import { assertStorableObject } from '../shared/argument-checks.js';

/** A stored row whose value is not a readable object; it is skipped everywhere and reported. */
export interface CorruptRecord {
  key: string;
  revision: number;
  reason: string;
}

/**
 * Turns objects into the stored JSON text and back.
 *
 * The text never holds `metadata.resourceVersion`: the row's id is the revision, and decoding
 * sets it. A value that does not parse, or is not an object with an object `metadata`, is
 * corrupt: `decode` returns `undefined` and reports it (once per revision, to keep logs
 * readable), and the store treats the row as if the key held nothing.
 */
export class RecordCodec {
  private readonly reported = new Set<number>();

  constructor(private readonly onCorrupt: (record: CorruptRecord) => void) {}

  encode(obj: KubeObject): string {
    assertStorableObject(obj);
    const { resourceVersion: _ignored, ...rest } = obj.metadata;
    return JSON.stringify({ ...obj, metadata: rest });
  }

  decode(key: string, revision: number, text: string | null): KubeObject | undefined {
    if (text === null) {
      this.report(key, revision, 'the row has no value');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.report(key, revision, `the value is not valid JSON (${(err as Error).message})`);
      return undefined;
    }
    if (!isRecord(value) || !isRecord(value.metadata)) {
      this.report(key, revision, 'the value is not an object with an object metadata');
      return undefined;
    }
    (value.metadata as Record<string, unknown>).resourceVersion = String(revision);
    return value as KubeObject;
  }

  /** Reports a damaged row (once per revision). */
  report(key: string, revision: number, reason: string): void {
    if (this.reported.has(revision)) return;
    if (this.reported.size >= 10_000) this.reported.clear();
    this.reported.add(revision);
    this.onCorrupt({ key, revision, reason });
  }
}

/** A shallow copy with another resourceVersion; nested values stay shared (they are never mutated). */
export function withRevision(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
