import type { KubeObject } from '../meta/types.js';
import { createMergePatch } from '../patch/index.js';
import { deepEqual, isPlainObject } from '../util/json.js';
import type { ResourceDefinition } from './resource-definition.js';

/** One sample that did not survive version -> hub -> version. */
export interface RoundTripFailure {
  version: string;
  /** Index of the sample among that version's samples; -1 for the schema's default object. */
  sample: number;
  /** `error`: a conversion failed; `changed`: it came back different; `invalid`: the sample itself is not valid. */
  kind: 'error' | 'changed' | 'invalid';
  /** What went wrong: the conversion's error, or the merge patch from the sample to what came back. */
  problem: string;
}

/**
 * Converts samples of every version other than the hub to the hub and back, and reports each
 * that does not come back the same (compared after the version's schema defaults). Each
 * version is also tried with its schema's default object when the schema has one (`{}` as a
 * body parses). For users' own tests: `expect(roundTripFailures(Widget, {...})).to.be.empty`
 * or {@link verifyRoundTrips}.
 */
export function roundTripFailures(def: ResourceDefinition, samples: Record<string, readonly unknown[]> = {}): RoundTripFailure[] {
  const versions = def.versions;
  const failures: RoundTripFailure[] = [];
  for (const v of versions.all) {
    if (v.version === versions.hub.version) continue;
    const given = (samples[v.version] ?? []).map((s, i) => ({ index: i, body: s }));
    const defaults = v.bodySchema.safeParse({});
    const all = defaults.success ? [{ index: -1, body: defaults.data as unknown }, ...given] : given;
    for (const { index, body } of all) {
      const parsed = v.bodySchema.safeParse(stripEnvelope(body));
      if (!parsed.success) {
        failures.push({ version: v.version, sample: index, kind: 'invalid', problem: `the sample is not a valid ${v.apiVersion} ${v.kind}: ${parsed.error.message}` });
        continue;
      }
      const original = { ...(parsed.data as object), apiVersion: v.apiVersion, kind: v.kind, metadata: metadataOf(body) } as KubeObject;
      try {
        const back = versions.convert(versions.convert(original, versions.hub.version), v.version);
        const reparsed = v.bodySchema.safeParse(stripEnvelope(back));
        const returned = reparsed.success ? { ...(reparsed.data as object), metadata: back.metadata } : back;
        const expected = { ...(parsed.data as object), metadata: original.metadata };
        if (!deepEqual(withoutEnvelope(returned), withoutEnvelope(expected))) {
          failures.push({ version: v.version, sample: index, kind: 'changed', problem: `came back changed: ${JSON.stringify(createMergePatch(expected, returned))}` });
        }
      } catch (err) {
        failures.push({ version: v.version, sample: index, kind: 'error', problem: (err as Error).message });
      }
    }
  }
  return failures;
}

/** Throws an Error naming every sample that does not round-trip (see {@link roundTripFailures}). */
export function verifyRoundTrips(def: ResourceDefinition, samples: Record<string, readonly unknown[]> = {}): void {
  const failures = roundTripFailures(def, samples);
  if (failures.length === 0) return;
  const lines = failures.map((f) => `${f.version} ${f.sample < 0 ? 'default object' : `sample ${f.sample}`}: ${f.problem}`);
  throw new Error(`${def.kind} does not round-trip through its hub ${def.versions.hub.version}:\n${lines.join('\n')}`);
}

function stripEnvelope(body: unknown): unknown {
  if (!isPlainObject(body)) return body;
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = body;
  return rest;
}

function withoutEnvelope(obj: object): object {
  const { apiVersion: _a, kind: _k, ...rest } = obj as Record<string, unknown>;
  return rest;
}

function metadataOf(body: unknown): KubeObject['metadata'] {
  const m = isPlainObject(body) && isPlainObject(body.metadata) ? body.metadata : {};
  return { name: 'round-trip', ...m } as KubeObject['metadata'];
}
