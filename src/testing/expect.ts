/**
 * The few assertions the contract suite makes, on node:assert, so that `apiserver-kit/testing`
 * needs no assertion library in the user's project. Failures throw AssertionError, which mocha
 * (and any other runner) reports with the expected and actual values.
 */
import assert from 'node:assert/strict';

export interface Expectation {
  readonly to: Expectation;
  readonly be: Expectation;
  readonly deep: Expectation;
  readonly at: Expectation;
  readonly have: Expectation;
  readonly and: Expectation;
  readonly not: Expectation;
  equal(expected: unknown): Expectation;
  a(type: 'string' | 'number' | 'boolean' | 'object'): Expectation;
  most(limit: number): Expectation;
  greaterThan(limit: number): Expectation;
  length(n: number): Expectation;
  match(re: RegExp): Expectation;
}

export function expect(actual: unknown, message?: string): Expectation {
  let deep = false;
  let negated = false;
  const prefix = message ? `${message}: ` : '';
  const check = (ok: boolean, what: string): void => {
    if (ok === negated) assert.fail(`${prefix}expected ${show(actual)} ${negated ? 'not ' : ''}${what}`);
  };
  const self: Expectation = {
    get to() { return self; },
    get be() { return self; },
    get at() { return self; },
    get have() { return self; },
    get and() { deep = false; negated = false; return self; },
    get deep() { deep = true; return self; },
    get not() { negated = !negated; return self; },
    equal(expected) {
      if (deep && !negated) assert.deepStrictEqual(actual, expected, message);
      else if (deep) assert.notDeepStrictEqual(actual, expected, message);
      else if (!negated) assert.strictEqual(actual, expected, message);
      else assert.notStrictEqual(actual, expected, message);
      return self;
    },
    a(type) {
      check(typeof actual === type && actual !== null, `to be a ${type}`);
      return self;
    },
    most(limit) {
      check(typeof actual === 'number' && actual <= limit, `to be at most ${limit}`);
      return self;
    },
    greaterThan(limit) {
      check(typeof actual === 'number' && actual > limit, `to be greater than ${limit}`);
      return self;
    },
    length(n) {
      const len = (actual as { length?: unknown } | null)?.length;
      check(len === n, `to have length ${n} (has ${String(len)})`);
      return self;
    },
    match(re) {
      check(typeof actual === 'string' && re.test(actual), `to match ${re}`);
      return self;
    },
  };
  return self;
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
