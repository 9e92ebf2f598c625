import type { PatchOptions, PatchType, RequestContext, SubresourceEndpoint, WriteOptions, WriteResult } from '../../ports/resource-api.port.js';
import { badRequest, invalid, notFound } from '../errors/api-error.js';
import { getAtPath, parseFieldPath, setAtPath } from '../jsonpath/field-path.js';
import type { KubeObject } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import { fieldError, toStatusCause } from '../resource/field-error.js';
import type { ScaleSubresource } from '../resource/resource-definition.js';
import { groupResource } from '../registry/object-decoding.js';
import { statusUpdateStrategy } from '../registry/rest-strategy.js';
import type { UpdatedObjectInfo } from '../registry/store.js';
import { isPlainObject } from '../util/json.js';
import { checkPatchType, validatePatchOptions, validateUpdateOptions, type ValidWriteOptions } from './options.js';
import { StoredEndpoint } from './stored-endpoint.js';
import { nameMismatch } from './updated-objects.js';

/**
 * The status subresource: the same store with the status update strategy, so that a write
 * through it changes status only (and a write to the main resource keeps the stored status).
 */
export function statusSubresource(main: StoredEndpoint): SubresourceEndpoint {
  const status = new StoredEndpoint(main.store.withUpdateStrategy(statusUpdateStrategy(main.store.definition)), main.view);
  return {
    name: 'status',
    get: (ctx, namespace, name) => status.get(ctx, namespace, name),
    update: (ctx, namespace, name, body, opts) => status.update(ctx, namespace, name, body, opts),
    patch: (ctx, namespace, name, type, patch, opts) => status.patch(ctx, namespace, name, type, patch, opts),
  };
}

const SCALE_GROUP_KIND = { group: 'autoscaling', kind: 'Scale' };

/**
 * The scale subresource: an autoscaling/v1 Scale view of the object, mapped to the replica
 * paths the type declares. A write produces the next object from the stored one by setting
 * the desired replicas, and goes through the main resource's strategy.
 */
export class ScaleEndpoint implements SubresourceEndpoint {
  readonly name = 'scale';
  private readonly spec: string[];
  private readonly status: string[];
  private readonly selector: string[] | undefined;

  constructor(private readonly main: StoredEndpoint) {
    const scale = main.definition.subresources.scale as ScaleSubresource;
    this.spec = parseFieldPath(scale.specReplicasPath);
    this.status = parseFieldPath(scale.statusReplicasPath);
    this.selector = scale.labelSelectorPath ? parseFieldPath(scale.labelSelectorPath) : undefined;
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject> {
    // The main endpoint answers in its version: the replica paths are that version's.
    return this.toScale(await this.main.get(ctx, namespace, name));
  }

  update(ctx: RequestContext, namespace: string | undefined, name: string, body: unknown, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(ctx, namespace, name, validateUpdateOptions(opts), () => body);
  }

  patch(ctx: RequestContext, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<WriteResult> {
    checkPatchType(type);
    const valid = validatePatchOptions(type, opts);
    if (type === 'apply') throw badRequest('server-side apply is not supported on the scale subresource; apply to the object itself');
    return this.write(ctx, namespace, name, valid, (current) => applyPatchOfType(type, current, patch));
  }

  private async write(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    valid: ValidWriteOptions,
    desired: (currentScale: KubeObject) => unknown,
  ): Promise<WriteResult> {
    this.main.checkItemAddress(namespace, name);
    const writer = this.main.writer(ctx, valid, 'scale');
    const view = this.main.view;
    const info: UpdatedObjectInfo = {
      updatedObject: (old) => {
        if (!old) throw notFound(groupResource(this.main.definition), name);
        const scale = this.decodeScale(desired(this.toScale(view.out(old))), name);
        const next = view.copyOut(old);
        const rv = scale.metadata.resourceVersion;
        // A resourceVersion in the Scale is a precondition on the object.
        next.metadata.resourceVersion = typeof rv === 'string' && rv !== '' ? rv : old.metadata.resourceVersion;
        setAtPath(next as Record<string, unknown>, this.spec, (scale.spec as { replicas: number }).replicas);
        return view.toStored(next, old);
      },
      finish: (admitted, old) =>
        view.recordFields(admitted, old, (obj, before) =>
          view.fields.update(obj, before as KubeObject, before?.metadata.managedFields, writer.manager, writer.time, 'scale'),
        ),
    };
    const opts = { dryRun: valid.dryRun, fieldValidation: 'Ignore' as const, subresource: 'scale' };
    const result = await this.main.store.update(ctx, namespace, name, info, opts);
    return { ...result, object: this.toScale(view.out(result.object)) };
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
    if (meta.name !== undefined && meta.name !== name) throw nameMismatch(meta.name, name);
    const spec = isPlainObject(body.spec) ? body.spec : {};
    const replicas = spec.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isSafeInteger(replicas)) {
      throw invalid(SCALE_GROUP_KIND, name, [toStatusCause(fieldError.typeInvalid('spec.replicas', replicas, 'must be an integer'))]);
    }
    if (replicas < 0) {
      throw invalid(SCALE_GROUP_KIND, name, [toStatusCause(fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'))]);
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
    const metadata: KubeObject['metadata'] = { name: m.name, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
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
