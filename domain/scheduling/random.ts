/** A source of numbers in [0, 1): `Math.random` in production, a seeded generator in tests. */
export type Rng = () => number;

/** mulberry32: a small seeded generator, so tests and benchmarks replay the same draws. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export const randomIndex = (rng: Rng, n: number): number => Math.min(n - 1, Math.floor(rng() * n));
