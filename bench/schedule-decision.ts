import * as hdr from "hdr-histogram-js";
import { performance } from "node:perf_hooks";
import { z } from "zod";
import { PlacementPolicy } from "../domain/events/function.js";
import type { LanguagePair } from "../domain/ids.js";
import { nodeHandlesPair } from "../domain/pool/languages.js";
import {
  defaultPlaceOptions,
  place,
  PolicyState,
  seededRng,
  snapshotBuilder,
  type PlaceOptions,
  type PlacementRequest,
  type Rng,
  type RuntimeSnapshot,
  type SnapshotNode,
} from "../domain/scheduling/index.js";
import { randomIndex } from "../domain/scheduling/random.js";
import { defineScenario, round, type ScenarioOutcome } from "./support/scenario.js";

const Params = z.strictObject({
  nodes: z.array(z.number().int().min(1)).min(1).default([100, 1_000, 10_000]),
  pools: z.array(z.number().int().min(1)).min(1).default([16, 256]),
  /** Measured decisions per case and side, unless the time budget runs out first. */
  iterations: z.number().int().min(1).default(5_000),
  /** Time budget per case and side, in ms; keeps the whole run well under a minute. */
  budgetMs: z.number().int().min(1).default(1_500),
  seed: z.number().int().default(42),
});
export type ScheduleDecisionParams = z.input<typeof Params>;

const LANGS = ["en", "zh", "ja", "ko", "de", "fr", "es", "pt"];
const PAIRS: readonly LanguagePair[] = LANGS.slice(1).map((source) => ({ source, target: "en" }));
const POLICIES = PlacementPolicy.options;

/**
 * A cluster shaped like a real one: nodes with mixed load (some full, hot, draining or lost),
 * warm instances on a fifth of them, pools in four flavours (any pair, per source language,
 * with a required service), each node in one pool and every tenth in a second one.
 */
function syntheticCluster(nodeCount: number, poolCount: number, rng: Rng): RuntimeSnapshot {
  const b = snapshotBuilder();
  const members: string[][] = Array.from({ length: poolCount }, () => []);
  for (let i = 0; i < nodeCount; i++) {
    const id = `node-${i}`;
    const roll = rng();
    const warm: Record<string, number> = {};
    if (rng() < 0.2) for (const p of POLICIES) warm[`f-${p}@1`] = 1 + randomIndex(rng, 4);
    b.node(id, {
      state: roll < 0.01 ? "lost" : roll < 0.03 ? "draining" : "online",
      runtimes: ["wasm", "process"],
      services: i % 3 === 0 ? ["asr"] : [],
      languages: ["en", LANGS[1 + (i % 7)]!, LANGS[1 + ((i * 3) % 7)]!],
      slots: 8,
      running: randomIndex(rng, 9),
      cpu: rng() * 100,
      memory: rng() * 100,
      weight: 1 + randomIndex(rng, 4),
      warm,
    });
    members[i % poolCount]!.push(id);
    if (i % 10 === 0) members[(i * 7 + 3) % poolCount]!.push(id);
  }
  for (let j = 0; j < poolCount; j++) {
    const source = PAIRS[j % PAIRS.length]!.source;
    if (j % 4 === 0) b.pool(`pool-${j}`, members[j]!);
    else if (j % 4 === 1) b.pool(`pool-${j}`, members[j]!, { requiredServices: ["asr"], languages: { anyToAny: true } });
    else b.pool(`pool-${j}`, members[j]!, { languages: { sources: [source], targets: ["en"] } });
  }
  for (const p of POLICIES) b.fn(`f-${p}`, { policy: p, runtime: "wasm" });
  for (let s = 0; s < 1000; s++) b.session(`s-${s}`, { preferredPool: `pool-${s % poolCount}`, boundPair: PAIRS[s % PAIRS.length], lastNode: `node-${s % nodeCount}` });
  return b.build();
}

function requests(count: number, rng: Rng): PlacementRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const withPair = rng() < 0.5;
    const session = rng() < 0.3 ? `s-${randomIndex(rng, 1000)}` : undefined;
    return {
      function: `f-${POLICIES[i % POLICIES.length]}`,
      routingKey: `user-${randomIndex(rng, 5000)}`,
      sessionId: session,
      langPair: withPair ? PAIRS[randomIndex(rng, PAIRS.length)] : undefined,
      exclude: rng() < 0.1 ? [`node-${randomIndex(rng, 100)}`] : undefined,
      spread: session !== undefined,
    };
  });
}

/**
 * The baseline a scheduler without indexes would run: look at every node object, keep those
 * that can take the call, sort them all by load, and hand out the first few.
 */
function naiveDecision(snapshot: RuntimeSnapshot, req: PlacementRequest, options: PlaceOptions): string[] {
  const fn = snapshot.functions.get(req.function)!;
  const spec = fn.versions.get(fn.activeVersion!)!;
  const pair = req.langPair ?? spec.requirements.langPair;
  const exclude = new Set(req.exclude ?? []);
  const w = options.loadWeights;
  const load = (n: SnapshotNode) => (w.cpu * n.cpuPercent) / 100 + (w.memory * n.memoryPercent) / 100 + (w.slots * n.running) / n.slots;
  const fit = snapshot.table.nodes.filter(
    (n): n is SnapshotNode =>
      n !== undefined &&
      n.state === "online" &&
      n.healthy &&
      !exclude.has(n.id) &&
      n.runtimes.has(spec.runtime) &&
      spec.requirements.services.every((s) => n.services.has(s)) &&
      (!pair || nodeHandlesPair(n.languages, pair)) &&
      n.running < n.slots &&
      n.cpuPercent <= options.maxCpuPercent &&
      n.memoryPercent <= options.maxMemoryPercent,
  );
  fit.sort((a, b) => load(a) - load(b));
  return fit.slice(0, options.maxCandidates).map((n) => n.id);
}

function measure(run: (i: number) => void, iterations: number, budgetMs: number): { p50: number; p99: number; samples: number } {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < Math.min(200, iterations); i++) run(i);
  const deadline = performance.now() + budgetMs;
  let samples = 0;
  while (samples < iterations && performance.now() < deadline) {
    const t0 = process.hrtime.bigint();
    run(samples);
    h.recordValue(Number(process.hrtime.bigint() - t0));
    samples++;
  }
  const out = { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, samples };
  h.destroy();
  return out;
}

/** The placement decision alone, next to the naive full scan, at several cluster sizes. */
export function runScheduleDecisionBench(params: ScheduleDecisionParams = {}): ScenarioOutcome {
  const p = Params.parse(params);
  const { iterations, budgetMs, seed } = p;
  const options = defaultPlaceOptions;
  const figures: ScenarioOutcome["figures"] = {};
  const ratios: ScenarioOutcome["ratios"] = {};
  for (const nodes of p.nodes) {
    for (const pools of p.pools) {
      const rng = seededRng(seed);
      const snapshot = syntheticCluster(nodes, pools, rng);
      const reqs = requests(1_024, rng);
      const ctx = { state: new PolicyState(), rng, options };
      let refused = 0;
      const indexed = measure((i) => void (place(snapshot, reqs[i % reqs.length]!, ctx).ok || refused++), iterations, budgetMs);
      const naive = measure((i) => void naiveDecision(snapshot, reqs[i % reqs.length]!, options), iterations, budgetMs);
      const name = `n${nodes}.p${pools}`;
      figures[`place.${name}.p50`] = { value: round(indexed.p50, 2), unit: "us" };
      figures[`place.${name}.p99`] = { value: round(indexed.p99, 2), unit: "us" };
      figures[`naive.${name}.p50`] = { value: round(naive.p50, 2), unit: "us" };
      figures[`naive.${name}.p99`] = { value: round(naive.p99, 2), unit: "us" };
      figures[`place.${name}.samples`] = { value: indexed.samples, unit: "decisions" };
      figures[`place.${name}.refused`] = { value: round((100 * refused) / Math.max(1, indexed.samples + Math.min(200, iterations)), 2), unit: "%" };
      ratios[`naive_over_place.${name}.p50`] = round(naive.p50 / indexed.p50, 2);
      ratios[`naive_over_place.${name}.p99`] = round(naive.p99 / indexed.p99, 2);
    }
  }
  return { figures, ratios, parameters: { ...p, maxCandidates: options.maxCandidates } };
}

/** The decision is pure and synchronous: measured in this process, no servers. */
export const scheduleDecision = defineScenario({
  name: "schedule-decision",
  summary: "the placement decision alone at 100 / 1,000 / 10,000 nodes and 16 / 256 pools (p50 / p99) vs a naive scan of every node",
  params: Params,
  timeLimitMs: 120_000,
  run: (_ctx, p) => Promise.resolve(runScheduleDecisionBench(p)),
});
