import type { KubeObject } from '../meta/types.js';
import type { FieldError } from './field-error.js';

/** Who is asking, as an authenticator established it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  /** What else the authenticator knows (front-proxy `X-Remote-Extra-*`, a token review's extra), keys lower-case. */
  extra?: Record<string, string[]>;
}

/** What a strategy hook may know about the request it runs in. */
export interface StrategyContext {
  operation: 'create' | 'update' | 'delete';
  /** The subresource being written (`status`, `scale`, ...), or undefined for the main resource. */
  subresource: string | undefined;
  dryRun: boolean;
  /** The server's current time, through the clock port. */
  now: Date;
  user: UserInfo | undefined;
}

/**
 * Per-type behaviour of the generic registry. A plain object; every hook is optional.
 * Hooks that mutate do so in place on an object the registry owns.
 *
 * Order on create: zod defaults, `default`, `prepareForCreate`, validation (metadata, schema,
 * `validate`), `canonicalize`, `warningsOnCreate`.
 *
 * Order on every write of the main resource (PUT, merge and JSON patch, server-side apply,
 * scale): the stored status and server-set metadata kept, zod defaults, `default`,
 * `prepareForUpdate`, validation (metadata, schema, `validate`, then `validateUpdate` for the
 * rules of the transition), `canonicalize`, `warningsOnUpdate`; `old` is the stored object. So
 * an invariant written once in `validate` holds on every write.
 *
 * A status write changes status only; it runs the schema, `validateUpdate` (with
 * `ctx.subresource === 'status'`), `canonicalize` and `warningsOnUpdate`, not `default`,
 * `prepareForUpdate` or `validate`.
 */
export interface ResourceStrategy<T extends KubeObject = KubeObject> {
  /** Fills defaults beyond what the zod schema declares. */
  default?(obj: T, ctx: StrategyContext): void;
  /** Clears or sets fields before a create (the status is already cleared when status is a subresource). */
  prepareForCreate?(obj: T, ctx: StrategyContext): void;
  /** Adjusts a new object against the stored one before an update. */
  prepareForUpdate?(obj: T, old: T, ctx: StrategyContext): void;
  /** The type's invariants, checked on create and on every update of the main resource; the schema and metadata rules are checked already. */
  validate?(obj: T, ctx: StrategyContext): FieldError[] | void;
  /** Extra validation of an update against the stored object (immutability rules and the like). */
  validateUpdate?(obj: T, old: T, ctx: StrategyContext): FieldError[] | void;
  /** Puts a valid object into its normal form before it is stored. */
  canonicalize?(obj: T): void;
  warningsOnCreate?(obj: T, ctx: StrategyContext): string[] | void;
  warningsOnUpdate?(obj: T, old: T, ctx: StrategyContext): string[] | void;
  /** Whether PUT on a missing object creates it. Default false. */
  allowCreateOnUpdate?: boolean;
  /** Whether PUT without metadata.resourceVersion overwrites. Default false. */
  allowUnconditionalUpdate?: boolean;
  /**
   * Whether an update changes the object's generation. Default: anything outside metadata and
   * status changed.
   */
  generationChanged?(obj: T, old: T): boolean;
}
