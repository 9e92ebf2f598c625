import { median } from './latency-stats.js';

/**
 * Runs the sides of a comparison in alternating rounds (A B A B ...) and returns every
 * round's result per side. Alternating puts slow drift of a shared, noisy machine (other
 * tenants, thermal state, page cache) on both sides instead of on whichever ran second.
 */
export async function alternatingRounds<T>(rounds: number, sides: Array<() => Promise<T>>): Promise<T[][]> {
  const results: T[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Who goes first alternates too.
    const order = r % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => sides.length - 1 - i);
    for (const i of order) results[i]!.push(await sides[i]!());
  }
  return results;
}

export function medianOf<T>(results: T[], pick: (r: T) => number): number {
  return median(results.map(pick));
}
