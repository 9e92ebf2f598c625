import { z } from 'zod';
import type { KubeObject, ObjectMeta } from '../meta/types.js';
import type { ResourceStrategy } from './strategy.js';
import { ResourceVersions } from './resource-versions.js';
import { compareVersionPriority } from './version-priority.js';
import { roundTripFailures } from './conversion-check.js';

export type Scope = 'Namespaced' | 'Cluster';

/** A column of `kubectl get`, as in a CRD's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** A JSONPath into the object, e.g. `.spec.color` or `.status.conditions[?(@.type=="Ready")].status`. */
  jsonPath: string;
  format?: string;
  description?: string;
  /** 0 shows by default; higher only with `-o wide`. */
  priority?: number;
}

export interface ScaleSubresource {
  /** JSON path of the desired replicas, e.g. `.spec.replicas`. */
  specReplicasPath: string;
  /** JSON path of the observed replicas, e.g. `.status.replicas`. */
  statusReplicasPath: string;
  /** JSON path of a label selector string for the scaled pods, if any. */
  labelSelectorPath?: string;
}

export interface Subresources {
  status?: boolean;
  scale?: ScaleSubresource;
}

type AnySchema = z.ZodType;

/** What every version of a type shares. */
interface ResourceCommonInput {
  group: string;
  kind: string;
  /** Lower-case plural used in paths: `widgets`. */
  plural: string;
  /** Lower-case singular; default the lower-cased kind. */
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  scope: Scope;
  /** Shown by `kubectl explain`. */
  description?: string;
  subresources?: Subresources;
  /**
   * Fields usable in field selectors besides metadata.name and metadata.namespace, as dotted
   * paths: `spec.color`. For a type with several versions, each applies in every version
   * that has the field.
   */
  selectableFields?: string[];
  /**
   * Validates a name; returns messages for what is wrong. Default: a DNS-1123 subdomain.
   */
  validateName?: (name: string, prefix: boolean) => string[];
}

/** A type served in one version. */
export interface ResourceDefinitionInput<
  Spec extends AnySchema | undefined,
  Status extends AnySchema | undefined,
> extends ResourceCommonInput {
  version: string;
  spec?: Spec;
  status?: Status;
  strategy?: ResourceStrategy<ObjectFromSchemas<Spec, Status>>;
  printerColumns?: PrinterColumn[];
}

/** One version of a type with several. */
export interface VersionInput<
  Spec extends AnySchema | undefined = AnySchema | undefined,
  Status extends AnySchema | undefined = AnySchema | undefined,
> {
  spec?: Spec;
  status?: Status;
  /** Served at /apis/{group}/{version}; default true. An unserved version may still be read from storage. */
  served?: boolean;
  /** The version objects are written in; exactly one version (default: the hub). */
  storage?: boolean;
  /** Requests to it carry a Warning header. */
  deprecated?: boolean;
  /** The warning's text; default `{group}/{version} {Kind} is deprecated; use {group}/{newer} {Kind}`. */
  deprecationWarning?: string;
  printerColumns?: PrinterColumn[];
  /** This version's subresources; default the type's. */
  subresources?: Subresources;
  /** This version's description for `kubectl explain`; default the type's. */
  description?: string;
}

type VersionObject<X> = X extends VersionInput<infer Spec, infer Status> ? ObjectFromSchemas<Spec, Status> : never;
type VersionInputObject<X> = X extends VersionInput<infer Spec, infer Status> ? InputFromSchemas<Spec, Status> : never;

/**
 * How one version converts to and from the hub. Both functions get a private copy they may
 * change, and return an object of the other version; the kit sets its apiVersion and kind
 * and keeps the metadata of the object it converts (name, uid, resourceVersion, generation,
 * labels, managedFields, ...): conversions change the body only.
 */
export interface VersionConversion<Spoke, Hub> {
  toHub(obj: Spoke): Hub;
  fromHub(obj: Hub): Spoke;
}

/**
 * A type served in several versions from one storage. Conversion goes through a hub: each
 * other version converts to the hub and back. Objects are stored in the storage version and
 * converted on every read, write, watch event and list item; the type's strategy works on
 * hub objects.
 */
export interface VersionedResourceInput<V extends Record<string, VersionInput>, H extends keyof V & string> extends ResourceCommonInput {
  versions: V;
  /** The version conversions go through, and the one the strategy sees. */
  hub: H;
  conversion: { [K in Exclude<keyof V & string, H>]: VersionConversion<VersionObject<V[K]>, VersionObject<V[H]>> };
  strategy?: ResourceStrategy<VersionObject<V[H]>>;
}

/** A type with several versions: the hub's definition, and each version's by name. */
export type VersionedResourceDefinition<V extends Record<string, VersionInput>, H extends keyof V & string> = ResourceDefinition<
  VersionObject<V[H]>,
  VersionInputObject<V[H]>
> & {
  /** The definition of one version, e.g. for `client.resource(Widget.forVersion('v1alpha1'))`. */
  forVersion<K extends keyof V & string>(name: K): ResourceDefinition<VersionObject<V[K]>, VersionInputObject<V[K]>>;
};

type OutputOf<S> = S extends AnySchema ? z.output<S> : never;
type InputOf<S> = S extends AnySchema ? z.input<S> : never;

/** The stored (output) shape of an object with these schemas. */
export type ObjectFromSchemas<Spec, Status> = KubeObject & {
  metadata: ObjectMeta;
} & (Spec extends AnySchema ? { spec: OutputOf<Spec> } : unknown) &
  (Status extends AnySchema ? { status?: OutputOf<Status> } : unknown);

/** The shape a client may send: defaults optional, apiVersion and kind optional. */
export type InputFromSchemas<Spec, Status> = {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
} & (Spec extends AnySchema ? { spec?: InputOf<Spec> } : unknown) &
  (Status extends AnySchema ? { status?: InputOf<Status> } : unknown);

/**
 * A declared resource type. Made by {@link defineResource}; every part of the kit (registry,
 * discovery, OpenAPI, tables, clients) reads types from here.
 */
export interface ResourceDefinition<T extends KubeObject = KubeObject, I = unknown> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly scope: Scope;
  readonly namespaced: boolean;
  readonly description: string | undefined;
  /** `group/version`, or `version` for the core group. */
  readonly apiVersion: string;
  /** Validates everything but apiVersion, kind and metadata: `{spec, status}` by default. */
  readonly bodySchema: z.ZodObject;
  readonly specSchema: AnySchema | undefined;
  readonly statusSchema: AnySchema | undefined;
  readonly strategy: ResourceStrategy<T>;
  readonly printerColumns: readonly PrinterColumn[];
  readonly subresources: Subresources;
  readonly selectableFields: readonly string[];
  readonly validateName: ((name: string, prefix: boolean) => string[]) | undefined;
  /** Whether this version is served (a type's unserved versions may still be in storage). */
  readonly served: boolean;
  /** The Warning requests to this version carry, when it is deprecated. */
  readonly deprecationWarning: string | undefined;
  /** Every version of the type, this one among them (just this one for a single-version type). */
  readonly versions: ResourceVersions;
  /** Phantom members carrying the object types; never set at runtime. */
  readonly __object?: T;
  readonly __input?: I;
}

export type ObjectOf<R> = R extends ResourceDefinition<infer T, unknown> ? T : never;
export type InputOf_<R> = R extends ResourceDefinition<KubeObject, infer I> ? I : never;
export { type InputOf_ as InputObjectOf };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Declares a resource type from zod schemas. No code generation: the TypeScript types of its
 * objects come from the schemas. Either one version (`version`, `spec`, `status`, ...) or
 * several (`versions`, `hub`, `conversion`): see {@link VersionedResourceInput}.
 */
export function defineResource<
  Spec extends AnySchema | undefined = undefined,
  Status extends AnySchema | undefined = undefined,
>(input: ResourceDefinitionInput<Spec, Status>): ResourceDefinition<ObjectFromSchemas<Spec, Status>, InputFromSchemas<Spec, Status>>;
export function defineResource<V extends Record<string, VersionInput>, H extends keyof V & string>(
  input: VersionedResourceInput<V, H>,
): VersionedResourceDefinition<V, H>;
export function defineResource(
  input: ResourceDefinitionInput<AnySchema | undefined, AnySchema | undefined> | VersionedResourceInput<Record<string, VersionInput>, string>,
): ResourceDefinition {
  if ('versions' in input) return defineVersioned(input);
  const { version, spec, status, printerColumns, strategy, ...common } = input;
  const family = new ResourceVersions(input.kind, version);
  const def = buildVersion(common, version, { spec, status, printerColumns }, strategy, family);
  family.seal([{ definition: def, storage: true, conversion: undefined }]);
  return def;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function commonProblems(input: ResourceCommonInput): string[] {
  const problems: string[] = [];
  if (!input.plural || !DNS_LABEL.test(input.plural)) problems.push(`plural "${input.plural}" must be lower-case letters, digits and '-'`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(input.kind ?? '')) problems.push(`kind "${input.kind}" must be CamelCase`);
  if (input.group && !DNS_SUBDOMAIN.test(input.group)) problems.push(`group "${input.group}" is not a DNS subdomain`);
  if (input.scope !== 'Namespaced' && input.scope !== 'Cluster') problems.push(`scope must be Namespaced or Cluster`);
  return problems;
}

/** The definition of one version; `strategy` is the type's (the hub's), shared by all versions. */
function buildVersion(
  common: ResourceCommonInput,
  version: string,
  v: VersionInput,
  strategy: ResourceStrategy<any> | undefined,
  family: ResourceVersions,
): ResourceDefinition {
  const problems = commonProblems(common);
  if (!version || !DNS_LABEL.test(version)) problems.push(`version "${version}" is not a DNS label`);
  const subresources = { ...(v.subresources ?? common.subresources ?? {}) };
  if (subresources.status && !v.status) problems.push(`a status subresource needs a status schema${family.several ? ` (version ${version})` : ''}`);
  if (problems.length) throw new Error(`invalid resource definition ${common.kind}: ${problems.join('; ')}`);

  const shape: Record<string, AnySchema> = {};
  // A missing spec is parsed as {} so that its field defaults apply.
  if (v.spec) shape.spec = v.spec.prefault({} as never) as unknown as AnySchema;
  if (v.status) shape.status = v.status.optional();
  const def: ResourceDefinition = {
    group: common.group,
    version,
    kind: common.kind,
    plural: common.plural,
    singular: common.singular ?? common.kind.toLowerCase(),
    shortNames: [...(common.shortNames ?? [])],
    categories: [...(common.categories ?? [])],
    scope: common.scope,
    namespaced: common.scope === 'Namespaced',
    description: v.description ?? common.description,
    apiVersion: common.group ? `${common.group}/${version}` : version,
    bodySchema: z.object(shape),
    specSchema: v.spec,
    statusSchema: v.status,
    strategy: (strategy ?? {}) as ResourceStrategy,
    printerColumns: [...(v.printerColumns ?? [])],
    subresources,
    selectableFields: [...(common.selectableFields ?? [])],
    validateName: common.validateName,
    served: v.served ?? true,
    deprecationWarning: undefined,
    versions: family,
  };
  return def;
}

function defineVersioned(input: VersionedResourceInput<Record<string, VersionInput>, string>): ResourceDefinition {
  const { versions, hub, conversion, strategy, ...common } = input;
  const names = Object.keys(versions ?? {});
  const problems: string[] = [];
  if (names.length === 0) problems.push('versions must name at least one version');
  if (!names.includes(hub)) problems.push(`the hub "${hub}" is not one of the versions (${names.join(', ')})`);
  const storage = names.filter((n) => versions[n].storage === true);
  if (storage.length > 1) problems.push(`exactly one version may be the storage version, not ${storage.join(' and ')}`);
  if (!names.some((n) => versions[n].served !== false)) problems.push('at least one version must be served');
  for (const n of names) {
    if (n === hub) continue;
    const c = (conversion as Record<string, VersionConversion<KubeObject, KubeObject> | undefined>)?.[n];
    if (!c || typeof c.toHub !== 'function' || typeof c.fromHub !== 'function') {
      problems.push(`version ${n} has no conversion to and from the hub ${hub} (conversion.${n}.toHub and fromHub)`);
    }
  }
  for (const n of Object.keys(conversion ?? {})) {
    if (!names.includes(n) || n === hub) problems.push(`conversion.${n} names no version other than the hub`);
  }
  if (problems.length) throw new Error(`invalid resource definition ${common.kind}: ${problems.join('; ')}`);

  const family = new ResourceVersions(common.kind, hub, true);
  const storageVersion = storage[0] ?? hub;
  const members = names.map((n) => ({
    definition: buildVersion(common, n, versions[n], strategy, family),
    storage: n === storageVersion,
    conversion: n === hub ? undefined : (conversion as Record<string, VersionConversion<KubeObject, KubeObject>>)[n],
  }));
  for (const m of members) {
    const declared = versions[m.definition.version];
    if (declared.deprecated) {
      (m.definition as { deprecationWarning: string | undefined }).deprecationWarning =
        declared.deprecationWarning ?? defaultDeprecationWarning(m.definition, members.map((x) => x.definition), versions);
    }
  }
  family.seal(members);
  // Every version must convert: its default object (when its schema has one) is tried both ways.
  const broken = roundTripFailures(family.hub).filter((f) => f.kind === 'error');
  if (broken.length) {
    throw new Error(`invalid resource definition ${common.kind}: ${broken.map((f) => `version ${f.version} does not convert: ${f.problem}`).join('; ')}`);
  }
  return family.hub;
}

/** `demo.example.com/v1alpha1 Widget is deprecated; use demo.example.com/v1 Widget`, as Kubernetes words it for CRDs. */
function defaultDeprecationWarning(def: ResourceDefinition, all: readonly ResourceDefinition[], declared: Record<string, VersionInput>): string {
  const message = `${def.apiVersion} ${def.kind} is deprecated`;
  const newer = all
    .filter((d) => d.served && !declared[d.version].deprecated && compareVersionPriority(d.version, def.version) < 0)
    .sort((a, b) => compareVersionPriority(a.version, b.version));
  return newer.length === 0 ? message : `${message}; use ${newer[0].apiVersion} ${def.kind}`;
}
