/**
 * The wire shapes of Kubernetes object metadata, as plain JSON-compatible types.
 * Objects move through the kit as plain objects of these shapes.
 */

import type { MANAGED_FIELDS_ENTRY, OBJECT_META, OWNER_REFERENCE, WireObject } from './object-meta-description.js';

/**
 * ObjectMeta, OwnerReference and ManagedFieldsEntry, derived from their one description
 * (object-meta-description.ts): a field added there appears here.
 */
export interface OwnerReference extends WireObject<typeof OWNER_REFERENCE> {}

export interface ManagedFieldsEntry extends WireObject<typeof MANAGED_FIELDS_ENTRY> {}

export interface ObjectMeta extends WireObject<typeof OBJECT_META> {}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Any object of a registered kind: apiVersion, kind, metadata and the type's own fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A Status body, as carried by ERROR watch events and failed requests. */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | ListMeta;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  /** The object; for ERROR a Status, for BOOKMARK an object with only kind, apiVersion and metadata.resourceVersion. */
  object: T | StatusObject;
}

/** Delete preconditions, as in DeleteOptions.preconditions. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
