/**
 * apiserver-kit: build Kubernetes-style API servers from zod schemas.
 *
 * The public API: declare types (defineResource), compose a server (ServerBuilder), drive it
 * in process (InProcessClient), and the ports and adapters to swap storage.
 */

// Inversify's decorators store their metadata through the Reflect metadata API: the polyfill is
// loaded once, here at the entry, before any decorated class is defined.
import 'reflect-metadata';

// Declaring types
export {
  defineResource,
  type ResourceDefinition,
  type ResourceDefinitionInput,
  type ObjectOf,
  type InputObjectOf,
  type PrinterColumn,
  type ScaleSubresource,
  type Subresources,
  type Scope,
  type VersionInput,
  type VersionConversion,
  type VersionedResourceInput,
  type VersionedResourceDefinition,
} from './domain/resource/resource-definition.js';
export type { ResourceVersions } from './domain/resource/resource-versions.js';
// Checks for users' tests: every version converts to the hub and back unchanged
export { roundTripFailures, verifyRoundTrips, type RoundTripFailure } from './domain/resource/conversion-check.js';
export type { ResourceStrategy, StrategyContext, UserInfo } from './domain/resource/strategy.js';
export { fieldError, type FieldError, type FieldErrorReason } from './domain/resource/field-error.js';
// List and map semantics for server-side apply, as zod `.meta()` (also carried into OpenAPI)
export { listTypeAtomic, listTypeMap, listTypeSet, mapTypeAtomic } from './domain/apply/list-type-meta.js';
export type {
  KubeObject,
  KubeList,
  ObjectMeta,
  ListMeta,
  OwnerReference,
  ManagedFieldsEntry,
  WatchEvent,
  WatchEventType,
  StatusObject,
  Preconditions,
  PropagationPolicy,
  FieldValidation,
} from './domain/meta/types.js';

// Errors
export {
  ApiError,
  isApiError,
  type StatusReason,
  type StatusCause,
  type StatusDetails,
  notFound,
  alreadyExists,
  conflict,
  invalid,
  badRequest,
  forbidden,
  methodNotAllowed,
  serviceUnavailable,
} from './domain/errors/api-error.js';
export { statusFromError } from './domain/errors/status.js';

// Handler-backed resources and subresources
export type { ResourceHandler, SubresourceHandler } from './domain/registry/handler-endpoint.js';
export type { RegistryOptions } from './domain/registry/registry-environment.js';

// Ports
export {
  type ObjectStore,
  type ListOptions as StoreListOptions,
  type ListResult as StoreListResult,
  type StoreEvent,
  type StoreWatch,
  type StoreWatchSink,
  StorageError,
  isStorageError,
  OBJECT_STORE,
} from './ports/object-store.port.js';
export { knownJson, rememberJson } from './ports/known-json.js';
export { type Clock, CLOCK } from './ports/clock.port.js';
export { type IdSource, ID_SOURCE } from './ports/id-source.port.js';
export type * from './ports/resource-api.port.js';
export { RESOURCE_API } from './ports/resource-api.port.js';

// Adapters
export { MemoryObjectStore, type MemoryObjectStoreOptions } from './adapters/storage/memory/memory-object-store.js';
export {
  InProcessClient,
  ResourceClient,
  type InProcessClientOptions,
  type Scale,
  type TypedWatch,
} from './adapters/in-process/in-process-client.js';

// Composition
export { ServerBuilder } from './app/server-builder.js';
export { ApiServer } from './app/api-server.js';

// Moving between stores
export {
  copyObjects,
  CopyConflictError,
  type CopyOptions,
  type CopyOutcome,
  type CopyResult,
  type IfExists,
} from './app/copy-storage.js';
