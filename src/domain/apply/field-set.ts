/**
 * A set of field paths, stored as a tree the way structured-merge-diff stores it: at each level
 * the steps that are members (the path ending there is in the set) and the steps that have
 * children (longer paths through there are in the set). A step may be both: in FieldsV1 that is
 * the `".": {}` entry.
 *
 * The operations follow structured-merge-diff's: `difference` removes exact paths only (a parent
 * minus its child stays), `recursiveDifference` removes paths and everything below them.
 */

import {
  comparePathElements,
  formatFieldPath,
  serializePathElement,
  type FieldPath,
  type PathElement,
} from './path-element.js';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** Shared by every set until it has a member (or a child): most sets below list items have only one of the two. */
const NO_MEMBERS: ReadonlyMap<string, PathElement> = new Map();
const NO_CHILDREN: ReadonlyMap<string, Child> = new Map();

export class FieldSet {
  /** Members at this level, by their FieldsV1 spelling (NO_MEMBERS until the first). */
  private members = NO_MEMBERS as Map<string, PathElement>;
  /** Subsets below this level, by the FieldsV1 spelling of their step (NO_CHILDREN until the first). */
  private children = NO_CHILDREN as Map<string, Child>;

  private addMember(key: string, pe: PathElement): void {
    if (this.members === NO_MEMBERS) this.members = new Map();
    this.members.set(key, pe);
  }

  private addChild(key: string, child: Child): void {
    if (this.children === NO_CHILDREN) this.children = new Map();
    this.children.set(key, child);
  }

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (the empty path is ignored: the object itself is never owned). */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]);
    const last = path[path.length - 1];
    node.addMember(serializePathElement(last), last);
    return this;
  }

  /** Adds a step as a member of this level. */
  insertMember(pe: PathElement): this {
    this.addMember(serializePathElement(pe), pe);
    return this;
  }

  /** The subset below `pe`, created when missing. */
  descend(pe: PathElement): FieldSet {
    return this.descendKeyed(serializePathElement(pe), pe);
  }

  private descendKeyed(key: string, pe: PathElement): FieldSet {
    let child = this.children.get(key);
    if (!child) {
      child = { pe, set: new FieldSet() };
      this.addChild(key, child);
    }
    return child.set;
  }

  /**
   * Puts the paths of `set` below `pe`. The set is taken over, not copied, when nothing is
   * below `pe` yet: the caller must not use it afterwards.
   */
  adoptBelow(pe: PathElement, set: FieldSet): this {
    const key = serializePathElement(pe);
    const child = this.children.get(key);
    if (child) child.set.addAll(set);
    else this.addChild(key, { pe, set });
    return this;
  }

  /** Calls `fn` with each member step, in no particular order. */
  forEachMember(fn: (pe: PathElement) => void): void {
    for (const pe of this.members.values()) fn(pe);
  }

  /** Calls `fn` with each step that has paths below it and the subset there, in no particular order. */
  forEachChild(fn: (pe: PathElement, set: FieldSet) => void): void {
    for (const c of this.children.values()) if (!c.set.isEmpty()) fn(c.pe, c.set);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(serializePathElement(path[i]))?.set;
    return node !== undefined && node.members.has(serializePathElement(path[path.length - 1]));
  }

  /** Whether `pe` is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  /** The paths below `pe`, relative to it (empty when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set.clone() ?? new FieldSet();
  }

  /** The subset below `pe` itself, or undefined; callers must not change it. */
  childSet(pe: PathElement): FieldSet | undefined {
    return this.children.get(serializePathElement(pe))?.set;
  }

  /** Adds every path of `other` to this set. */
  addAll(other: FieldSet): this {
    for (const [k, pe] of other.members) this.addMember(k, pe);
    for (const [k, c] of other.children) this.descendKeyed(k, c.pe).addAll(c.set);
    return this;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  /** The number of paths in the set. */
  get size(): number {
    let n = this.members.size;
    for (const c of this.children.values()) n += c.set.size;
    return n;
  }

  /** Member steps of this level, in the written order. */
  memberElements(): PathElement[] {
    return [...this.members.values()].sort(comparePathElements);
  }

  /** Steps with children at this level and their subsets, in the written order. */
  childEntries(): { pe: PathElement; set: FieldSet }[] {
    return [...this.children.values()].filter((c) => !c.set.isEmpty()).sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  /**
   * Every path, in structured-merge-diff's order: the members of a level (sorted) before the
   * paths below it (by sorted step).
   */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    this.collect([], out);
    return out;
  }

  private collect(prefix: PathElement[], out: FieldPath[]): void {
    for (const pe of this.memberElements()) out.push([...prefix, pe]);
    for (const c of this.childEntries()) c.set.collect([...prefix, c.pe], out);
  }

  union(other: FieldSet): FieldSet {
    const out = this.clone();
    out.addAll(other);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (other.members.has(k)) out.addMember(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (!o) continue;
      const sub = c.set.intersection(o.set);
      if (!sub.isEmpty()) out.addChild(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  /** Paths of this set that are not paths of `other` (exact paths: a parent minus its child stays). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.addMember(k, pe);
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      const sub = o ? c.set.difference(o.set) : c.set.clone();
      if (!sub.isEmpty()) out.addChild(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  /** Like difference, and also drops everything below a member of `other`. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!other.members.has(k)) out.addMember(k, pe);
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const o = other.children.get(k);
      const sub = o ? c.set.recursiveDifference(o.set) : c.set.clone();
      if (!sub.isEmpty()) out.addChild(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  /** The members that have no children in the set. */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) {
      const c = this.children.get(k);
      if (!c || c.set.isEmpty()) out.addMember(k, pe);
    }
    for (const [k, c] of this.children) {
      const sub = c.set.leaves();
      if (!sub.isEmpty()) out.addChild(k, { pe: c.pe, set: sub });
    }
    return out;
  }

  /** Whether every path of this set is a path of `other`. */
  isSubsetOf(other: FieldSet): boolean {
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    for (const [k, c] of this.children) {
      const o = other.children.get(k);
      if (o ? !c.set.isSubsetOf(o.set) : !c.set.isEmpty()) return false;
    }
    return true;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  clone(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.addMember(k, pe);
    for (const [k, c] of this.children) out.addChild(k, { pe: c.pe, set: c.set.clone() });
    return out;
  }

  /** One path a line, as in messages. */
  toString(): string {
    return this.paths().map(formatFieldPath).join('\n');
  }
}
