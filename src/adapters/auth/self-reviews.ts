import { z } from 'zod';
import { invalid } from '../../domain/errors/api-error.js';
import type { KubeObject } from '../../domain/meta/types.js';
import { HandlerEndpoint, type ResourceHandler } from '../../domain/registry/handler-endpoint.js';
import { decodeBody } from '../../domain/registry/object-decoding.js';
import { validateCreateOptions } from '../../domain/request/options.js';
import { toStatusCause } from '../../domain/resource/field-error.js';
import { defineResource, type ResourceDefinition } from '../../domain/resource/resource-definition.js';
import type { UserInfo } from '../../domain/resource/strategy.js';
import { formatUnknownFieldWarning, strictDecodingError, validateBody } from '../../domain/validation/validate-body.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Authorizer, RequestAttributes, RuleResolver } from '../../ports/authorizer.port.js';
import type { RequestContext, WriteOptions, WriteResult } from '../../ports/resource-api.port.js';

const resourceAttributes = z.looseObject({
  namespace: z.string().optional(),
  verb: z.string().optional(),
  group: z.string().optional(),
  version: z.string().optional(),
  resource: z.string().optional(),
  subresource: z.string().optional(),
  name: z.string().optional(),
});
const nonResourceAttributes = z.looseObject({ path: z.string().optional(), verb: z.string().optional() });

/** authorization.k8s.io/v1 SelfSubjectAccessReview: may I do this? (`kubectl auth can-i VERB RESOURCE`) */
export const SelfSubjectAccessReview = defineResource({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  scope: 'Cluster',
  description: 'Checks whether the current user can perform an action.',
  spec: z.looseObject({ resourceAttributes: resourceAttributes.optional(), nonResourceAttributes: nonResourceAttributes.optional() }),
  status: z.looseObject({
    allowed: z.boolean().optional(),
    denied: z.boolean().optional(),
    reason: z.string().optional(),
    evaluationError: z.string().optional(),
  }),
});

/** authorization.k8s.io/v1 SelfSubjectRulesReview: what may I do in a namespace? (`kubectl auth can-i --list`) */
export const SelfSubjectRulesReview = defineResource({
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  scope: 'Cluster',
  description: 'Lists what the current user can do in a namespace.',
  spec: z.looseObject({ namespace: z.string().optional() }),
  status: z.looseObject({}),
});

/** authentication.k8s.io/v1 SelfSubjectReview: who am I? (`kubectl auth whoami`) */
export const SelfSubjectReview = defineResource({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  scope: 'Cluster',
  description: 'Tells the current user what the server knows of them.',
  status: z.looseObject({}),
});

type Review = (ctx: RequestContext, obj: KubeObject & Record<string, any>) => Promise<Record<string, unknown>>;

/**
 * A create-only review type: like any handler-backed type, except that the object carries no
 * name (Kubernetes' reviews are not stored and need none), so its metadata is not checked as a
 * stored object's is. The body is still decoded and checked against the type's schema with
 * the same option rules.
 */
export class ReviewEndpoint extends HandlerEndpoint {
  /** The handler behind the endpoint (create only), for the verbs discovery shows. */
  readonly reviewHandler: ResourceHandler;

  constructor(
    definition: ResourceDefinition,
    private readonly review: Review,
    clock: Clock,
  ) {
    const handler: ResourceHandler = { create: (ctx, _ns, obj) => review(ctx, obj) as Promise<KubeObject> };
    super(definition, handler, clock);
    this.reviewHandler = handler;
  }

  override async create(ctx: RequestContext, _namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<WriteResult> {
    const valid = validateCreateOptions(opts);
    const decoded = decodeBody(this.definition, body);
    const result = validateBody(this.definition, decoded as Record<string, unknown>);
    if (result.unknownFields.length > 0 && valid.fieldValidation === 'Strict') throw strictDecodingError(result.unknownFields);
    if (result.errors.length > 0) {
      throw invalid({ group: this.definition.group, kind: this.definition.kind }, '', result.errors.map(toStatusCause));
    }
    const warnings = valid.fieldValidation === 'Warn' ? result.unknownFields.map(formatUnknownFieldWarning) : [];
    const out = await this.review(ctx, result.value as KubeObject);
    const metadata = { ...((decoded.metadata as Record<string, unknown>) ?? {}) };
    return { object: { ...out, apiVersion: this.definition.apiVersion, kind: this.definition.kind, metadata } as KubeObject, created: true, warnings };
  }
}

/** The user a review is about: the one who sent it. */
function requester(ctx: RequestContext): UserInfo {
  return ctx.user ?? { username: '', groups: [] };
}

/** The three self reviews, answered by the server's authorizer (and its rule resolver). */
export function selfReviewEndpoints(authorizer: Authorizer & Partial<RuleResolver>, clock: Clock): ReviewEndpoint[] {
  const accessReview: Review = async (ctx, obj) => {
    const spec = (obj.spec ?? {}) as { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> };
    const res = spec.resourceAttributes;
    const nonRes = spec.nonResourceAttributes;
    if ((res === undefined) === (nonRes === undefined)) {
      throw invalid({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' }, '', [
        {
          reason: 'FieldValueRequired',
          field: 'spec.resourceAttributes',
          message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
        },
      ]);
    }
    const user = requester(ctx);
    const attributes: RequestAttributes = res
      ? {
          user,
          verb: res.verb ?? '',
          resourceRequest: true,
          path: '',
          apiGroup: res.group ?? '',
          apiVersion: res.version ?? '',
          resource: res.resource ?? '',
          subresource: res.subresource ?? '',
          namespace: res.namespace ?? '',
          name: res.name ?? '',
        }
      : {
          user,
          verb: nonRes!.verb ?? '',
          resourceRequest: false,
          path: nonRes!.path ?? '',
          apiGroup: '',
          apiVersion: '',
          resource: '',
          subresource: '',
          namespace: '',
          name: '',
        };
    let status: Record<string, unknown>;
    try {
      const result = await authorizer.authorize(attributes);
      status = { allowed: result.decision === 'allow' };
      if (result.decision === 'deny') status.denied = true;
      if (result.reason) status.reason = result.reason;
    } catch (err) {
      status = { allowed: false, evaluationError: (err as Error)?.message ?? String(err) };
    }
    return { spec: obj.spec, status };
  };

  const rulesReview: Review = async (ctx, obj) => {
    const namespace = ((obj.spec ?? {}) as { namespace?: string }).namespace ?? '';
    if (typeof authorizer.rulesFor !== 'function') {
      return {
        spec: obj.spec,
        status: { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'the authorizer cannot list rules' },
      };
    }
    const rules = await authorizer.rulesFor(requester(ctx), namespace);
    const status: Record<string, unknown> = {
      resourceRules: rules.resourceRules.map((r) => (r.resourceNames.length > 0 ? r : { verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources })),
      nonResourceRules: rules.nonResourceRules,
      incomplete: rules.incomplete,
    };
    if (rules.evaluationError) status.evaluationError = rules.evaluationError;
    return { spec: obj.spec, status };
  };

  const whoAmI: Review = async (ctx) => {
    const user = requester(ctx);
    const userInfo: Record<string, unknown> = { username: user.username };
    if (user.uid) userInfo.uid = user.uid;
    if (user.groups?.length) userInfo.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length > 0) userInfo.extra = structuredClone(user.extra);
    return { status: { userInfo } };
  };

  return [
    new ReviewEndpoint(SelfSubjectAccessReview as unknown as ResourceDefinition, accessReview, clock),
    new ReviewEndpoint(SelfSubjectRulesReview as unknown as ResourceDefinition, rulesReview, clock),
    new ReviewEndpoint(SelfSubjectReview as unknown as ResourceDefinition, whoAmI, clock),
  ];
}

/** The definitions the self reviews are served under. */
export const SELF_REVIEW_DEFINITIONS: readonly ResourceDefinition[] = [
  SelfSubjectAccessReview as unknown as ResourceDefinition,
  SelfSubjectRulesReview as unknown as ResourceDefinition,
  SelfSubjectReview as unknown as ResourceDefinition,
];
