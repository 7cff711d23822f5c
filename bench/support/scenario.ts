import type { Logger } from "pino";
import type { z } from "zod";

/** One measured number with its unit (`ms`, `us`, `events/s`, `%`, `MiB`, ...). */
export interface Figure {
  readonly value: number;
  readonly unit: string;
}

export type Figures = Record<string, Figure>;
export type Ratios = Record<string, number>;

/** What a scenario measured: every ratio is computed from `figures` of the same run. */
export interface ScenarioOutcome {
  readonly parameters: Record<string, unknown>;
  readonly figures: Figures;
  readonly ratios: Ratios;
}

export interface ScenarioContext {
  readonly log: Logger;
  /** A folder of its own, removed after the scenario (kept, with the services' logs, when it fails). */
  readonly tempDir: string;
  /** Fires when the scenario passes its time limit: loops stop and the servers are stopped. */
  readonly signal: AbortSignal;
  /** With `--profile`: the services a scenario starts write V8 CPU profiles here. */
  readonly profileDir?: string;
  /** Names a process the scenario started, so its CPU profile is labelled with the name. */
  labelProcess(pid: number, name: string): void;
  /**
   * Registers how to undo what was just started (stop a server, close a connection). The runner
   * runs these in reverse order when the scenario ends, fails or runs out of time.
   */
  defer(undo: () => Promise<unknown> | unknown): void;
}

export interface Scenario<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line: what is measured, next to what. */
  readonly summary: string;
  /** The scenario's parameters with their defaults; `--params '<json>'` overrides them. */
  readonly params: S;
  /** The longest the scenario may take with its default parameters (ms) before it is stopped. */
  readonly timeLimitMs: number;
  run(ctx: ScenarioContext, params: z.output<S>): Promise<ScenarioOutcome>;
}

/** Keeps a scenario's parameter schema and its run function's type together. */
export const defineScenario = <S extends z.ZodType>(s: Scenario<S>): Scenario<S> => s;

/** Rounds for the result files: figures keep three significant decimals, not float noise. */
export const round = (v: number, digits = 3): number => {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** A ratio of two figures measured in the same run. */
export const ratio = (a: Figure | number, b: Figure | number): number => {
  const x = typeof a === "number" ? a : a.value;
  const y = typeof b === "number" ? b : b.value;
  return y === 0 ? Number.NaN : round(x / y);
};

/**
 * Runs one part of a scenario with its own clean-up: what `fn` defers is undone (in reverse
 * order) when `fn` ends, so the next part starts on a quiet machine. Should the scenario stop
 * in the middle, the runner still undoes what is left.
 */
export async function scoped<T>(ctx: ScenarioContext, fn: (part: ScenarioContext) => Promise<T>): Promise<T> {
  const undo: (() => Promise<unknown> | unknown)[] = [];
  let done = false;
  const runUndo = async () => {
    if (done) return;
    done = true;
    for (const u of undo.reverse()) await u();
  };
  ctx.defer(runUndo);
  try {
    return await fn({ ...ctx, defer: (u) => undo.push(u) });
  } finally {
    await runUndo();
  }
}
