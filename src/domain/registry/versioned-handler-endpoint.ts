import type {
  DeleteOptions,
  DeleteResult,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  RequestContext,
  ResourceEndpoint,
  SubresourceEndpoint,
  Table,
  TableOptions,
  WatchOptions,
  WatchStream,
  WriteOptions,
  WriteResult,
} from '../../ports/resource-api.port.js';
import { isApiError, methodNotAllowed } from '../errors/api-error.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta/types.js';
import { applyPatchOfType } from '../patch/index.js';
import type { ResourceDefinition } from '../resource/resource-definition.js';
import { checkPatchType, validateCreateOptions, validatePatchOptions, validateUpdateOptions } from '../request/options.js';
import { VersionView } from '../request/version-view.js';
import { convertToTable } from '../table/table-convertor.js';
import { mappedStream } from '../watch/mapped-stream.js';
import type { HandlerEndpoint } from './handler-endpoint.js';
import { decodeBody, reconcileNamespace } from './object-decoding.js';

/**
 * A served version, other than the hub, of a handler-backed type: user code works in the
 * hub version, and this endpoint converts what goes in and out. Bodies are checked against
 * this version's schema first; an update is merged into the handler's current object (when
 * it can read one), so fields this version cannot express are kept.
 */
export class VersionedHandlerEndpoint implements ResourceEndpoint {
  private readonly view: VersionView;

  constructor(
    readonly definition: ResourceDefinition,
    private readonly hub: HandlerEndpoint,
  ) {
    this.view = new VersionView(definition);
  }

  private out = (obj: KubeObject): KubeObject => this.view.out(obj);

  private listOut(list: KubeList): KubeList {
    return { ...list, apiVersion: this.definition.apiVersion, kind: `${this.definition.kind}List`, items: list.items.map(this.out) };
  }

  async get(ctx: RequestContext, namespace: string | undefined, name: string, opts?: GetOptions): Promise<KubeObject> {
    return this.out(await this.hub.get(ctx, namespace, name, opts));
  }

  async list(ctx: RequestContext, namespace: string | undefined, opts?: ListOptions): Promise<KubeList> {
    return this.listOut(await this.hub.list(ctx, namespace, opts));
  }

  async watch(ctx: RequestContext, namespace: string | undefined, opts?: WatchOptions): Promise<WatchStream> {
    return mappedStream(await this.hub.watch(ctx, namespace, opts), (e: WatchEvent) =>
      e.type === 'ERROR' || e.type === 'BOOKMARK' ? e : { type: e.type, object: this.out(e.object as KubeObject) },
    );
  }

  /** A request body of this version, checked in its terms, as the hub object the handler gets. */
  private toHub(namespace: string | undefined, body: unknown, fieldValidation: Parameters<VersionView['decode']>[1], old?: KubeObject) {
    const decoded = decodeBody(this.definition, body);
    reconcileNamespace(this.definition, decoded, namespace);
    const checked = this.view.decode(decoded, fieldValidation);
    return { object: this.view.toStored(checked.object, old), warnings: checked.warnings };
  }

  async create(ctx: RequestContext, namespace: string | undefined, body: unknown, opts?: WriteOptions): Promise<WriteResult> {
    const valid = validateCreateOptions(opts);
    const { object, warnings } = this.toHub(namespace, body, valid.fieldValidation);
    const result = await this.hub.create(ctx, namespace, object, { ...opts, fieldValidation: 'Ignore' });
    return { ...result, object: this.out(result.object), warnings: [...warnings, ...result.warnings] };
  }

  async update(ctx: RequestContext, namespace: string | undefined, name: string, body: unknown, opts?: WriteOptions): Promise<WriteResult> {
    const valid = validateUpdateOptions(opts);
    const old = await this.current(ctx, namespace, name);
    const { object, warnings } = this.toHub(namespace, body, valid.fieldValidation, old);
    const result = await this.hub.update(ctx, namespace, name, object, { ...opts, fieldValidation: 'Ignore' });
    return { ...result, object: this.out(result.object), warnings: [...warnings, ...result.warnings] };
  }

  /** The handler's object now, when it can read one. */
  private async current(ctx: RequestContext, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.hub.get(ctx, namespace, name);
    } catch (err) {
      if (isApiError(err) && (err.reason === 'NotFound' || err.reason === 'MethodNotAllowed')) return undefined;
      throw err;
    }
  }

  async patch(
    ctx: RequestContext,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<WriteResult> {
    checkPatchType(type);
    validatePatchOptions(type, opts);
    if (type === 'apply') throw methodNotAllowed(`apply patch is not supported on ${this.definition.plural}.${this.definition.group}`);
    const patched = applyPatchOfType(type, await this.get(ctx, namespace, name), patch);
    const { force: _force, ...writeOpts } = opts;
    return this.update(ctx, namespace, name, patched, writeOpts);
  }

  async delete(ctx: RequestContext, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<DeleteResult> {
    const result = await this.hub.delete(ctx, namespace, name, opts);
    return { ...result, object: this.out(result.object) };
  }

  async deleteCollection(ctx: RequestContext, namespace: string | undefined, listOpts?: ListOptions, opts?: DeleteOptions): Promise<KubeList> {
    return this.listOut(await this.hub.deleteCollection(ctx, namespace, listOpts, opts));
  }

  subresource(_name: string): SubresourceEndpoint | undefined {
    return undefined;
  }

  convertToTable(objects: readonly KubeObject[], opts: TableOptions): Table {
    return convertToTable(this.definition, objects, this.hub.clock.now(), opts);
  }
}
