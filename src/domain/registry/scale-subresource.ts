import type {
  PatchOptions,
  PatchType,
  RequestContext,
  SubresourceEndpoint,
  WriteOptions,
  WriteResult,
} from '../../ports/resource-api.port.js';
import { badRequest, conflict, invalid, STALE_OBJECT_MESSAGE } from '../errors/api-error.js';
import { getAtPath, parseFieldPath, setAtPath } from '../jsonpath/field-path.js';
import type { KubeObject } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import { fieldError, toStatusCause } from '../resource/field-error.js';
import type { ScaleSubresource } from '../resource/resource-definition.js';
import { deepClone, isPlainObject } from '../util/json.js';
import type { GenericRegistry } from './generic-registry.js';
import { admitUpdate, formatTimestamp, groupResource } from './object-preparation.js';
import { fieldManagerFor } from '../apply/index.js';

const SCALE_GROUP_KIND = { group: 'autoscaling', kind: 'Scale' };

/**
 * The scale subresource: an autoscaling/v1 Scale view of the object, mapped to the replica
 * paths the type declares. Writing it changes the desired replicas only.
 */
export class ScaleSubresourceEndpoint implements SubresourceEndpoint {
  readonly name = 'scale';
  private readonly spec: string[];
  private readonly status: string[];
  private readonly selector: string[] | undefined;

  constructor(private readonly registry: GenericRegistry) {
    const scale = registry.definition.subresources.scale as ScaleSubresource;
    this.spec = parseFieldPath(scale.specReplicasPath);
    this.status = parseFieldPath(scale.statusReplicasPath);
    this.selector = scale.labelSelectorPath ? parseFieldPath(scale.labelSelectorPath) : undefined;
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.toScale(await this.registry.get(ctx, namespace, name));
  }

  async update(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<WriteResult> {
    return this.write(ctx, namespace, name, opts, () => body);
  }

  async patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<WriteResult> {
    if (type !== 'json' && type !== 'merge') {
      // The same answer the main resource gives for these patch types.
      return this.registry.patch(ctx, namespace, name, type, patch, opts);
    }
    return this.write(ctx, namespace, name, opts, (current) => applyPatchOfType(type, current, patch));
  }

  private async write(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions,
    desired: (currentScale: KubeObject) => unknown,
  ): Promise<WriteResult> {
    const registry = this.registry;
    const gr = groupResource(registry.definition);
    const first = await registry.get(ctx, namespace, name);
    const sctx = registry.strategyContext(ctx, 'update', 'scale', opts.dryRun);
    const manager = fieldManagerFor(opts.fieldManager, ctx.userAgent);
    const key = registry.keys.item(namespace, name);
    const result = await registry.guaranteedUpdate(name, key, first, opts.dryRun ?? false, (old) => {
      const scale = this.decodeScale(desired(this.toScale(old)), name);
      const rv = scale.metadata.resourceVersion;
      const pinned = typeof rv === 'string' && rv !== '';
      if (pinned && rv !== old.metadata.resourceVersion) throw conflict(gr, name, STALE_OBJECT_MESSAGE);
      const next = deepClone(old) as KubeObject;
      setAtPath(next as Record<string, unknown>, this.spec, (scale.spec as { replicas: number }).replicas);
      const admitted = admitUpdate(registry.definition, next, old, sctx, 'Ignore', 'main');
      registry.fields.update(admitted.object, old, old.metadata.managedFields, manager, formatTimestamp(sctx.now), 'scale');
      return { ...admitted, precondition: pinned };
    });
    return { ...result, object: this.toScale(result.object) };
  }

  private decodeScale(body: unknown, name: string): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request must be a JSON object of kind Scale');
    if (body.kind !== undefined && body.kind !== 'Scale') {
      throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Scale)`);
    }
    if (body.apiVersion !== undefined && body.apiVersion !== 'autoscaling/v1') {
      throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (autoscaling/v1)`);
    }
    const meta = isPlainObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    }
    const spec = isPlainObject(body.spec) ? body.spec : {};
    const replicas = spec.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas)) {
      throw invalid(SCALE_GROUP_KIND, name, [toStatusCause(fieldError.typeInvalid('spec.replicas', replicas, 'must be an integer'))]);
    }
    if (replicas < 0) {
      throw invalid(SCALE_GROUP_KIND, name, [
        toStatusCause(fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')),
      ]);
    }
    return { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta, spec: { replicas } } as KubeObject;
  }

  /** The Scale view of a stored object. */
  toScale(obj: KubeObject): KubeObject {
    const m = obj.metadata;
    const specReplicas = getAtPath(obj, this.spec);
    const statusReplicas = getAtPath(obj, this.status);
    const status: Record<string, unknown> = { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 };
    if (this.selector) {
      const sel = getAtPath(obj, this.selector);
      if (typeof sel === 'string') status.selector = sel;
    }
    const metadata: KubeObject['metadata'] = {
      name: m.name,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    };
    if (m.namespace !== undefined) metadata.namespace = m.namespace;
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata,
      spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
      status,
    };
  }
}

