export interface AdaptiveLimitOptions {
  /** Where the estimate starts; usually the static limit, so the limiter only ever backs off from it. */
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** How far recent latency may rise above the baseline before the limit backs off (1.5 = +50 %). */
  readonly tolerance: number;
  /** Samples the recent-latency average spans. */
  readonly shortWindow: number;
  /** Samples the baseline-latency average spans; much longer, so a sustained new normal is learnt slowly. */
  readonly longWindow: number;
  /** Share of each step's target taken into the estimate (0..1]: damps reactions to single outliers. */
  readonly smoothing: number;
}

export const defaultAdaptiveLimitOptions: Omit<AdaptiveLimitOptions, "initial" | "max"> = {
  min: 1,
  tolerance: 1.5,
  shortWindow: 10,
  longWindow: 100,
  smoothing: 0.2,
};

/**
 * A gradient concurrency limiter (the family of TCP Vegas and Netflix's Gradient2), chosen over
 * AIMD because AIMD needs a latency threshold or a drop signal to back off, and no single
 * threshold fits both a 1 ms WASM function and a 2 s container: the gradient compares each
 * function's recent latency with its own baseline.
 *
 * Per sample: `gradient = clamp(tolerance × baseline / recent, 0.5, 1)`. Below 1 (latency rose
 * past the tolerance) the limit moves towards `limit × gradient`, at most halving per step;
 * at 1 it grows by about √limit, but only while the limit is being used (in-flight at least
 * half of it), so an idle function does not inflate its limit. When recent latency falls below
 * half the baseline, the baseline is shrunk a little each sample so a long overload is
 * forgotten sooner than the slow average alone would.
 */
export class AdaptiveLimit {
  #options: AdaptiveLimitOptions;
  #estimate: number;
  #recent: number | undefined;
  #baseline: number | undefined;

  constructor(options: Partial<AdaptiveLimitOptions> & Pick<AdaptiveLimitOptions, "initial" | "max">) {
    this.#options = { ...defaultAdaptiveLimitOptions, ...options };
    const o = this.#options;
    if (!(o.min >= 1 && o.max >= o.min && o.tolerance >= 1 && o.smoothing > 0 && o.smoothing <= 1 && o.shortWindow >= 1 && o.longWindow > o.shortWindow))
      throw new RangeError(`invalid adaptive limit options ${JSON.stringify(o)}`);
    this.#estimate = clamp(o.initial, o.min, o.max);
  }

  get options(): AdaptiveLimitOptions {
    return this.#options;
  }

  /** The number of calls the function may run at once now. */
  get limit(): number {
    return Math.max(this.#options.min, Math.floor(this.#estimate));
  }

  /** Recent and baseline latency (ms), for stats. */
  get latency(): { readonly recentMs: number | undefined; readonly baselineMs: number | undefined } {
    return { recentMs: this.#recent, baselineMs: this.#baseline };
  }

  /** A new static maximum (a redeployed function); the estimate is clamped into it. */
  setMax(max: number): void {
    this.#options = { ...this.#options, max: Math.max(max, this.#options.min) };
    this.#estimate = clamp(this.#estimate, this.#options.min, this.#options.max);
  }

  /** One finished call: its latency and how many calls were running when it started. */
  onSample(latencyMs: number, inFlight: number): void {
    if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) return;
    const o = this.#options;
    const sample = Math.max(latencyMs, 0.001);
    this.#recent = ewma(this.#recent, sample, 2 / (o.shortWindow + 1));
    this.#baseline = ewma(this.#baseline, sample, 2 / (o.longWindow + 1));
    if (this.#baseline > 2 * this.#recent) this.#baseline *= 0.95;

    const gradient = clamp((o.tolerance * this.#baseline) / this.#recent, 0.5, 1);
    let target: number;
    if (gradient < 1) target = this.#estimate * gradient;
    else if (inFlight >= this.#estimate / 2) target = this.#estimate + Math.max(1, Math.sqrt(this.#estimate));
    else return;
    this.#estimate = clamp(this.#estimate * (1 - o.smoothing) + target * o.smoothing, o.min, o.max);
  }
}

const ewma = (prev: number | undefined, sample: number, alpha: number) => (prev === undefined ? sample : prev + alpha * (sample - prev));
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
