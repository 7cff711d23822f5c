import fc from "fast-check";
import { regressionCorpus } from "./corpus.js";
import type { Edge as EdgeDriver } from "./edges/edge.js";
import { EDGES, type Edge, type FuzzParams } from "./params.js";

export interface Planned {
  readonly edge: Edge;
  /** Position in the run: names the message's ids and reply subject. */
  readonly index: number;
  readonly message: unknown;
}

/** How many messages each edge gets: `messages` split by the shares, the rounding going to the first edges. */
export function splitCounts(p: FuzzParams): Record<Edge, number> {
  const total = EDGES.reduce((s, e) => s + p.shares[e], 0);
  if (total <= 0) throw new Error("the shares of the edges add up to 0");
  const counts = Object.fromEntries(EDGES.map((e) => [e, Math.floor((p.messages * p.shares[e]) / total)])) as Record<Edge, number>;
  let left = p.messages - EDGES.reduce((s, e) => s + counts[e], 0);
  for (const e of EDGES) {
    if (left === 0) break;
    if (p.shares[e] > 0) {
      counts[e]++;
      left--;
    }
  }
  return counts;
}

/**
 * Every message of the run, drawn from the edges' generators with the run's seed (each edge
 * from a seed of its own, so changing one edge's share leaves the others' messages alone), then
 * interleaved in a seeded order so the edges are fuzzed at the same time. The regression
 * corpus goes first, on top of `messages`.
 */
export function planMessages(p: FuzzParams, drivers: Record<Edge, EdgeDriver<unknown>>): Planned[] {
  const counts = splitCounts(p);
  const drawn = EDGES.flatMap((edge, i) =>
    counts[edge] === 0 ? [] : fc.sample(drivers[edge].arbitrary, { seed: p.seed + i * 7_919, numRuns: counts[edge] }).map((message) => ({ edge, message })),
  );
  const order = fc.sample(fc.shuffledSubarray(drawn.map((_, i) => i), { minLength: drawn.length, maxLength: drawn.length }), { seed: p.seed, numRuns: 1 })[0] ?? [];
  return [...regressionCorpus(), ...order.map((k) => drawn[k]!)].map((m, index) => ({ ...m, index }));
}
