import type { KubeObject } from '../../../domain/meta/types.js';

/**
 * The parsed form of the objects read or written most recently, so that hot objects are not
 * parsed from their JSON on every read. Least recently used objects leave first.
 */
export class RecentObjects {
  private readonly objects = new Map<string, Readonly<KubeObject>>();

  /** @param capacity how many objects are kept at most (0: none). */
  constructor(private readonly capacity: number) {}

  /** The object under `key`, which becomes the most recently used. */
  get(key: string): Readonly<KubeObject> | undefined {
    const obj = this.objects.get(key);
    if (obj !== undefined) {
      this.objects.delete(key);
      this.objects.set(key, obj);
    }
    return obj;
  }

  /** The object under `key`, leaving the order as it is (for scans that would flush the cache). */
  peek(key: string): Readonly<KubeObject> | undefined {
    return this.objects.get(key);
  }

  set(key: string, obj: Readonly<KubeObject>): void {
    if (this.capacity === 0) return;
    this.objects.delete(key);
    this.objects.set(key, obj);
    if (this.objects.size > this.capacity) this.objects.delete(this.objects.keys().next().value as string);
  }

  delete(key: string): void {
    this.objects.delete(key);
  }

  clear(): void {
    this.objects.clear();
  }
}
