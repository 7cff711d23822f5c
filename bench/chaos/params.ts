import { z } from "zod";

const ms = (dflt: number) => z.number().int().min(0).max(600_000).default(dflt);

/** The one-off faults, each injected once per run, in this order, spread evenly over the load. */
export const OnceFault = z.enum(["scheduler", "sms", "nats", "redis", "projections"]);
export type OnceFault = z.infer<typeof OnceFault>;

/** `npm run chaos -- --params '<json>'` overrides any of these. */
export const ChaosParams = z
  .strictObject({
    /** Calls submitted per pass (fault-free and with faults alike). */
    calls: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Calls submitted per second, paced (a submitter that falls behind does not catch up in a burst). */
    rate: z.number().positive().max(2_000).default(40),
    /** Share of calls to the process function that sleeps; the rest go to the WASM echo. */
    sleepShare: z.number().min(0).max(1).default(0.5),
    sleepMinMs: ms(20),
    sleepMaxMs: ms(300),
    spearlets: z.number().int().min(1).max(16).default(3),
    slots: z.number().int().min(1).max(256).default(6),
    schedulers: z.number().int().min(1).max(8).default(2),
    /** Per-call limit both functions are deployed with (`limits.timeoutMs`). */
    functionTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(10_000),
    /** How long one JetStream publish waits for its acknowledgement before it is tried again. */
    publishTimeoutMs: z.number().int().min(100).max(60_000).default(2_000),
    /** Tries per submission (the first publish included), with backoff doubling from publishBackoffMs to 2 s. */
    publishTries: z.number().int().min(1).max(100).default(10),
    publishBackoffMs: ms(250),
    /** After the last submit: how long to wait for every acknowledged call to have a recorded result. */
    resultWaitMs: ms(90_000),
    /** Health of every spearlet is sampled this often for the idle-with-work figure. */
    healthEveryMs: z.number().int().min(10).max(10_000).default(100),
    healthTimeoutMs: z.number().int().min(10).max(10_000).default(250),
    /** A call counts as waiting work once its request was acknowledged by the stream this long ago without a final result. */
    outstandingAfterMs: ms(250),
    /** Inject faults in the second pass (false: two fault-free passes, for checking the harness). */
    faults: z.boolean().default(true),
    /** A random spearlet is killed (-9) about this often, and restarted spearletDownMs later. */
    spearletKillEveryMs: z.number().int().min(100).max(600_000).default(2_000),
    spearletDownMs: ms(1_000),
    /** How long a killed scheduler, control plane, redis-server or projection worker stays down. */
    serviceDownMs: ms(1_000),
    natsDownMs: ms(2_000),
    onceFaults: z.array(OnceFault).max(5).default([...OnceFault.options]),
    /** Seeds the inputs, the mix and the choice of victims, so two runs draw the same. */
    seed: z.number().int().default(7),
    /** How long a pass may take before it is stopped and reported as failed (ms; 0: derived from calls and rate). */
    passLimitMs: z.number().int().min(0).default(0),
  })
  .refine((p) => p.sleepMinMs <= p.sleepMaxMs, { message: "sleepMinMs must not exceed sleepMaxMs" });
export type ChaosParams = z.output<typeof ChaosParams>;

/** The load's own length: how long submitting takes at the paced rate. */
export const loadMs = (p: ChaosParams): number => (1000 * p.calls) / p.rate;

/** A pass's time limit: start-up, the load, the wait for results and the audit, with room to spare. */
export const passLimitMs = (p: ChaosParams): number => p.passLimitMs || 2 * loadMs(p) + p.resultWaitMs + 180_000;
