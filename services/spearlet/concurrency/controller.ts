import { SpearError } from "../../../domain/errors.js";
import { AdaptiveLimit } from "./adaptive-limit.js";
import { Semaphore } from "./semaphore.js";
import { ConcurrencySettings, type ConcurrencySettingsInput } from "./settings.js";
import { TokenBucket, type RateLimit } from "./token-bucket.js";
import { parseConfig } from "../../config.js";

export interface AdmitRequest {
  readonly function: string;
  /** The shared binary the call runs (artifact sha256); no per-binary limit without one. */
  readonly binary?: string;
  /** The function's static limit (`limits.maxConcurrency`). */
  readonly maxConcurrency: number;
  /** The function's rate on this node; the node's `defaultRate` when absent. */
  readonly rate?: RateLimit;
}

export interface Permit {
  readonly function: string;
  /** Calls of the function running when this one was admitted (itself included). */
  readonly inFlightAtStart: number;
  /** Ends the call: frees its permits and, given its latency, teaches the adaptive limit. Safe to call twice. */
  release(sample?: { readonly latencyMs: number }): void;
}

export type RefusalScope = "global" | "binary" | "function" | "adaptive" | "rate";

export interface ConcurrencyStats {
  readonly global: { readonly limit: number; readonly inFlight: number };
  readonly functions: ReadonlyArray<{
    readonly function: string;
    readonly inFlight: number;
    readonly limit: number;
    readonly adaptiveLimit?: number;
    readonly rate?: RateLimit & { readonly tokens: number };
  }>;
  readonly binaries: ReadonlyArray<{ readonly sha256: string; readonly inFlight: number; readonly limit: number }>;
  readonly refused: Readonly<Record<RefusalScope, number>>;
}

interface FunctionLimits {
  readonly calls: Semaphore;
  readonly adaptive: AdaptiveLimit | undefined;
  bucket: TokenBucket | undefined;
}

/**
 * Admission control of a spearlet: a call runs only if the node, its shared binary, its
 * function (static limit and adaptive limit) and the function's token bucket all have room.
 * Otherwise it is refused at once with `saturated` or `rate_limited` (details name the scope),
 * never queued: the scheduler places it elsewhere or retries. All checks happen before anything
 * is taken, so a refused call costs no permit and no token.
 */
export class ConcurrencyController {
  readonly settings: ConcurrencySettings;
  readonly #global: Semaphore;
  readonly #binaries = new Map<string, Semaphore>();
  readonly #functions = new Map<string, FunctionLimits>();
  readonly #refused: Record<RefusalScope, number> = { global: 0, binary: 0, function: 0, adaptive: 0, rate: 0 };
  readonly #now: () => number;

  constructor(settings: ConcurrencySettingsInput, opts: { readonly now?: () => number } = {}) {
    this.settings = parseConfig(ConcurrencySettings, settings, "concurrency settings");
    this.#global = new Semaphore(this.settings.global);
    this.#now = opts.now ?? Date.now;
  }

  /** Calls running on the node now. */
  get inFlight(): number {
    return this.#global.inUse;
  }

  /** Grants a permit, or throws `saturated` / `rate_limited` at once. */
  admit(req: AdmitRequest): Permit {
    const fn = this.limitsOf(req);
    const binary = req.binary === undefined ? undefined : this.#binaries.get(req.binary);
    const perBinary = this.settings.perBinary;

    if (this.#global.available === 0) throw this.refuse("global", req, this.#global.limit, this.#global.inUse);
    if (req.binary !== undefined && perBinary !== undefined && (binary?.inUse ?? 0) >= perBinary)
      throw this.refuse("binary", req, perBinary, binary?.inUse ?? 0);
    if (fn.calls.available === 0) throw this.refuse("function", req, fn.calls.limit, fn.calls.inUse);
    if (fn.adaptive && fn.calls.inUse >= fn.adaptive.limit) throw this.refuse("adaptive", req, fn.adaptive.limit, fn.calls.inUse);
    if (fn.bucket && !fn.bucket.tryTake()) throw this.refuse("rate", req, fn.bucket.limit.perSecond, fn.calls.inUse, fn.bucket.msUntil());

    this.#global.tryAcquire();
    fn.calls.tryAcquire();
    let binarySem: Semaphore | undefined;
    if (req.binary !== undefined && perBinary !== undefined) {
      binarySem = binary ?? new Semaphore(perBinary);
      this.#binaries.set(req.binary, binarySem);
      binarySem.tryAcquire();
    }
    const inFlightAtStart = fn.calls.inUse;
    let released = false;
    return {
      function: req.function,
      inFlightAtStart,
      release: (sample) => {
        if (released) return;
        released = true;
        this.#global.release();
        fn.calls.release();
        if (binarySem && req.binary !== undefined) {
          binarySem.release();
          if (binarySem.inUse === 0 && this.#binaries.get(req.binary) === binarySem) this.#binaries.delete(req.binary);
        }
        if (sample && fn.adaptive) fn.adaptive.onSample(sample.latencyMs, inFlightAtStart);
      },
    };
  }

  /** Drops what is kept for a deleted function; permits still held release normally. */
  forget(functionName: string): void {
    this.#functions.delete(functionName);
  }

  stats(): ConcurrencyStats {
    return {
      global: { limit: this.#global.limit, inFlight: this.#global.inUse },
      functions: [...this.#functions].map(([name, f]) => ({
        function: name,
        inFlight: f.calls.inUse,
        limit: f.calls.limit,
        ...(f.adaptive ? { adaptiveLimit: f.adaptive.limit } : {}),
        ...(f.bucket ? { rate: { ...f.bucket.limit, tokens: f.bucket.tokens() } } : {}),
      })),
      binaries: [...this.#binaries].map(([sha256, s]) => ({ sha256, inFlight: s.inUse, limit: s.limit })),
      refused: { ...this.#refused },
    };
  }

  /** The function's limiters, created on first use and kept in step with its latest spec. */
  private limitsOf(req: AdmitRequest): FunctionLimits {
    const rate = req.rate ?? this.settings.defaultRate;
    let fn = this.#functions.get(req.function);
    if (!fn) {
      const a = this.settings.adaptive;
      fn = {
        calls: new Semaphore(req.maxConcurrency),
        adaptive: a.enabled
          ? new AdaptiveLimit({ initial: req.maxConcurrency, max: req.maxConcurrency, min: Math.min(a.min, req.maxConcurrency), tolerance: a.tolerance, shortWindow: a.shortWindow, longWindow: a.longWindow, smoothing: a.smoothing })
          : undefined,
        bucket: rate ? new TokenBucket(rate, this.#now) : undefined,
      };
      this.#functions.set(req.function, fn);
      return fn;
    }
    if (fn.calls.limit !== req.maxConcurrency) {
      fn.calls.limit = req.maxConcurrency;
      fn.adaptive?.setMax(req.maxConcurrency);
    }
    if (!rate) fn.bucket = undefined;
    else if (!fn.bucket) fn.bucket = new TokenBucket(rate, this.#now);
    else if (fn.bucket.limit.perSecond !== rate.perSecond || fn.bucket.limit.burst !== rate.burst) fn.bucket.limit = rate;
    return fn;
  }

  private refuse(scope: RefusalScope, req: AdmitRequest, limit: number, inFlight: number, retryAfterMs?: number): SpearError {
    this.#refused[scope] += 1;
    const details = { scope, function: req.function, limit, inFlight, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (scope === "rate") return new SpearError("rate_limited", `function ${req.function} is over its rate of ${limit}/s on this node`, details);
    const what = {
      global: "the node is at its concurrency limit",
      binary: `binary ${req.binary} is at its concurrency limit`,
      function: `function ${req.function} is at its concurrency limit`,
      adaptive: `function ${req.function} is at its adaptive concurrency limit`,
    }[scope];
    return new SpearError("saturated", `${what} (${limit})`, details);
  }
}
