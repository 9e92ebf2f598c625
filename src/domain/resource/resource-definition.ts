import { z } from 'zod';
import type { KubeObject, ObjectMeta } from '../meta/types.js';
import type { ResourceStrategy } from './strategy.js';

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

export interface ResourceDefinitionInput<
  Spec extends AnySchema | undefined,
  Status extends AnySchema | undefined,
> {
  group: string;
  version: string;
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
  spec?: Spec;
  status?: Status;
  strategy?: ResourceStrategy<ObjectFromSchemas<Spec, Status>>;
  printerColumns?: PrinterColumn[];
  subresources?: Subresources;
  /**
   * Fields usable in field selectors besides metadata.name and metadata.namespace, as dotted
   * paths: `spec.color`.
   */
  selectableFields?: string[];
  /**
   * Validates a name; returns messages for what is wrong. Default: a DNS-1123 subdomain.
   */
  validateName?: (name: string, prefix: boolean) => string[];
}

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
 * objects come from the schemas.
 */
export function defineResource<
  Spec extends AnySchema | undefined = undefined,
  Status extends AnySchema | undefined = undefined,
>(
  input: ResourceDefinitionInput<Spec, Status>,
): ResourceDefinition<ObjectFromSchemas<Spec, Status>, InputFromSchemas<Spec, Status>> {
  const problems: string[] = [];
  if (!input.version || !DNS_LABEL.test(input.version)) problems.push(`version "${input.version}" is not a DNS label`);
  if (!input.plural || !DNS_LABEL.test(input.plural)) problems.push(`plural "${input.plural}" must be lower-case letters, digits and '-'`);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(input.kind ?? '')) problems.push(`kind "${input.kind}" must be CamelCase`);
  if (input.group && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(input.group)) {
    problems.push(`group "${input.group}" is not a DNS subdomain`);
  }
  if (input.scope !== 'Namespaced' && input.scope !== 'Cluster') problems.push(`scope must be Namespaced or Cluster`);
  if (input.subresources?.status && !input.status) problems.push('a status subresource needs a status schema');
  if (problems.length) throw new Error(`invalid resource definition ${input.kind}: ${problems.join('; ')}`);

  const shape: Record<string, AnySchema> = {};
  // A missing spec is parsed as {} so that its field defaults apply.
  if (input.spec) shape.spec = input.spec.prefault({} as never) as unknown as AnySchema;
  if (input.status) shape.status = input.status.optional();
  const bodySchema = z.object(shape);
  const def: ResourceDefinition<ObjectFromSchemas<Spec, Status>, InputFromSchemas<Spec, Status>> = {
    group: input.group,
    version: input.version,
    kind: input.kind,
    plural: input.plural,
    singular: input.singular ?? input.kind.toLowerCase(),
    shortNames: [...(input.shortNames ?? [])],
    categories: [...(input.categories ?? [])],
    scope: input.scope,
    namespaced: input.scope === 'Namespaced',
    description: input.description,
    apiVersion: input.group ? `${input.group}/${input.version}` : input.version,
    bodySchema,
    specSchema: input.spec,
    statusSchema: input.status,
    strategy: (input.strategy ?? {}) as ResourceStrategy<ObjectFromSchemas<Spec, Status>>,
    printerColumns: [...(input.printerColumns ?? [])],
    subresources: { ...(input.subresources ?? {}) },
    selectableFields: [...(input.selectableFields ?? [])],
    validateName: input.validateName,
  };
  return Object.freeze(def);
}
