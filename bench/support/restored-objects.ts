import { randomUUID } from 'node:crypto';

/**
 * Preloading by restore: objects written straight into a store's on-disk form, as a backup
 * restore would, for stores whose write path is too slow to fill with 100k objects within the
 * bench's time (the filesystem store syncs every file; etcd commits every write). The objects
 * are copies of one the kit created (managedFields and all), renamed, so every store holds
 * objects of the same shape and size.
 */
export type KubeLike = { metadata: Record<string, unknown> } & Record<string, unknown>;

/** `template` (a stored object) as object `name` with its own uid, without a resourceVersion. */
export function restoredObject(template: KubeLike, name: string): KubeLike {
  const { resourceVersion: _rv, ...metadata } = template.metadata;
  return { ...template, metadata: { ...metadata, name, uid: randomUUID(), labels: { ...(metadata.labels as object), bench: 'preload' } } };
}

/** The storage key of a Widget in namespace `default`. */
export function widgetKey(name: string): string {
  return `/demo.example.com/widgets/default/${name}`;
}
