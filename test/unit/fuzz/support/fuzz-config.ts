import type fc from "fast-check";

/**
 * Every property runs from one seed, so a failure replays exactly: fast-check prints the seed
 * and the path of the shrunk counterexample; run again with SPEAR_FUZZ_SEED=<seed> to get it.
 */
export const FUZZ_SEED = Number(process.env.SPEAR_FUZZ_SEED ?? 20_261_204);

export const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: FUZZ_SEED, numRuns });

/** Runs `fn` and says how long it took: decoders must answer promptly whatever the input. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/** The error a decoder threw, or undefined. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}
