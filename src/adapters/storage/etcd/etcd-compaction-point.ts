/**
 * What a store knows of etcd's compaction point. etcd has no cheap call that tells it: a
 * compacted watch reports it, and a read at revision r fails exactly when r is below it. So
 * the store keeps the highest revision it has learned the point to be at or above, from its
 * own compactions, compacted watches and compacted reads, and `find()` confirms that bound
 * with one read, or, when the point has moved on (another server compacted, or etcd's
 * auto-compaction), searches for it with a binary search of reads at old revisions.
 */
export interface RevisionProbe {
  /** Whether a read at `revision` succeeds (false: compacted). */
  readable(revision: number): Promise<boolean>;
  /** The current revision (an upper bound of the compaction point). */
  current(): Promise<number>;
}

export class EtcdCompactionPoint {
  /** A lower bound of etcd's compaction point (0: none learned yet). */
  private known = 0;
  private finding: Promise<number> | undefined;

  constructor(private readonly probe: RevisionProbe) {}

  /** The highest lower bound learned so far, without asking etcd. */
  get lowerBound(): number {
    return this.known;
  }

  /** Learned: the compaction point is at least `revision`. */
  atLeast(revision: number): void {
    if (revision > this.known) this.known = revision;
  }

  /**
   * The compaction point: the oldest revision a read may use. 0 while etcd has not compacted
   * past revision 1 (reads at 1, etcd's empty first revision, still work).
   */
  find(): Promise<number> {
    this.finding ??= this.search().finally(() => {
      this.finding = undefined;
    });
    return this.finding;
  }

  private async search(): Promise<number> {
    const bound = this.known;
    if (await this.probe.readable(Math.max(bound, 1))) return bound;
    // The point lies in (bound, current]: find the first readable revision.
    let low = Math.max(bound, 1) + 1;
    let high = Math.max(low, await this.probe.current());
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (await this.probe.readable(mid)) high = mid;
      else low = mid + 1;
    }
    this.atLeast(low);
    return this.known;
  }
}
