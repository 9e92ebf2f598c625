/**
 * How long and how big every measurement is. `BENCH_QUICK=1` shrinks everything for a smoke
 * run of about half a minute: the figures are then indicative only (fewer rounds, smaller
 * stores), and the lines say which object counts were used.
 */
export interface BenchSettings {
  quick: boolean;
  /** Length of one measured round of a closed-loop load. */
  roundMs: number;
  /** Rounds per side of a kit-versus-baseline pair, alternated so drift hits both sides alike. */
  rounds: number;
  /** Unmeasured load before a pair's rounds, so both sides run JIT-compiled code. */
  warmupMs: number;
  /** Requests in flight for the HTTP comparisons (one keep-alive connection each). */
  connections: number;
  /** Objects stored for the list, heap and cold-start figures. */
  bigStore: number;
  /** Stored-object counts of the scaling charts. */
  scalingSizes: number[];
  /** Watcher counts of the fan-out chart. */
  watcherCounts: number[];
  /** Events (writes x watchers) one fan-out burst delivers. */
  fanoutEvents: number;
  /** Length of the write-to-event latency measurement at a fixed write rate. */
  latencyMs: number;
  /** List requests per side. */
  listRepeats: number;
  /** Cold starts measured; the median counts. */
  coldStarts: number;
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  if (quick) {
    return {
      quick,
      roundMs: 400,
      rounds: 1,
      warmupMs: 300,
      connections: 64,
      bigStore: 10_000,
      scalingSizes: [1_000],
      watcherCounts: [100],
      fanoutEvents: 50_000,
      latencyMs: 1_000,
      listRepeats: 3,
      coldStarts: 1,
    };
  }
  return {
    quick,
    roundMs: 1_500,
    rounds: 3,
    warmupMs: 1_500,
    connections: 64,
    bigStore: 100_000,
    scalingSizes: [1_000, 10_000, 100_000],
    watcherCounts: [1, 10, 100, 1000],
    fanoutEvents: 200_000,
    latencyMs: 3_000,
    listRepeats: 7,
    coldStarts: 3,
  };
}
