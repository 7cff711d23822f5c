import * as hdr from "hdr-histogram-js";
import { round, type Figures } from "./scenario.js";

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Latencies in an HDR histogram (3 significant digits, 1 µs to 10 min): percentiles come from
 * every recorded value, never from averages of averages. Values go in and come out in ms.
 */
export class LatencyHistogram {
  readonly #h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });

  recordMs(ms: number): void {
    this.#h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** Adds every value of another histogram (for runs measured in several rounds). */
  add(other: LatencyHistogram): void {
    this.#h.add(other.#h);
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** The value at percentile `p`: the top of its bucket, but never above the largest value recorded. */
  percentileMs(p: number): number {
    return Math.min(this.#h.getValueAtPercentile(p), this.#h.maxValue) / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      max: this.#h.maxValue / 1000,
    };
  }

  /** `<prefix>.p50` ... `<prefix>.max` in ms, and `<prefix>.count`. */
  figures(prefix: string): Figures {
    const s = this.summary();
    return {
      [`${prefix}.p50`]: { value: round(s.p50), unit: "ms" },
      [`${prefix}.p90`]: { value: round(s.p90), unit: "ms" },
      [`${prefix}.p99`]: { value: round(s.p99), unit: "ms" },
      [`${prefix}.max`]: { value: round(s.max), unit: "ms" },
      [`${prefix}.count`]: { value: s.count, unit: "calls" },
    };
  }
}
