import type {
  PatchOptions,
  PatchType,
  RequestContext,
  SubresourceEndpoint,
  WriteOptions,
  WriteResult,
} from '../../ports/resource-api.port.js';
import type { KubeObject } from '../meta/types.js';
import type { GenericRegistry } from './generic-registry.js';

/**
 * The status subresource: reads the whole object; writes change its status only, and writes
 * to the main resource keep the stored status.
 */
export class StatusSubresourceEndpoint implements SubresourceEndpoint {
  readonly name = 'status';

  constructor(private readonly registry: GenericRegistry) {}

  get(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.registry.get(ctx, namespace, name);
  }

  update(ctx: RequestContext, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    return this.registry.updateWithScope(ctx, namespace, name, body, opts, 'status');
  }

  patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<WriteResult> {
    return this.registry.patchWithScope(ctx, namespace, name, type, patch, opts, 'status');
  }
}
