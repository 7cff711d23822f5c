import fc from "fast-check";
import type { InvocationAssigned, InvocationFinished } from "../../../../domain/events/invocation.js";
import type { NodeStatusReported } from "../../../../domain/events/status.js";
import { jsonValue } from "../../../../bench/fuzz/arbitraries/json.js";

/** Valid values of the wire schemas, to check that they survive encoding and decoding unchanged. */
export const token = (max = 64): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${max - 1}}$`));
export const instant: fc.Arbitrary<string> = fc.date({ min: new Date("1990-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }).map((d) => d.toISOString());
const count = fc.integer({ min: 0, max: 1_000_000 });
const positive = fc.integer({ min: 1, max: 1_000_000 });
const ms = fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true });

export const invocationFinished: fc.Arbitrary<InvocationFinished> = fc.record(
  {
    invocationId: token(128),
    function: token(),
    version: positive,
    status: fc.constantFrom("succeeded", "failed", "timed_out", "rejected", "dead_lettered"),
    output: jsonValue(),
    error: fc.record({ code: fc.constantFrom("function_error", "timeout", "no_capacity", "invalid_request"), message: fc.string({ maxLength: 200 }) }),
    nodeId: token(),
    attempts: count,
    timings: fc.record(
      { submittedAt: instant, assignedAt: instant, startedAt: instant, finishedAt: instant, queueMs: ms, runMs: ms, totalMs: ms },
      { requiredKeys: ["submittedAt", "finishedAt", "totalMs"] },
    ),
  },
  { requiredKeys: ["invocationId", "function", "status", "attempts", "timings"] },
) as fc.Arbitrary<InvocationFinished>;

export const invocationAssigned: fc.Arbitrary<InvocationAssigned> = fc.record(
  {
    invocationId: token(128),
    function: token(),
    version: positive,
    attempt: positive,
    nodeId: token(),
    leaseToken: fc.string({ minLength: 1, maxLength: 40 }),
    deadline: instant,
    timeoutMs: positive,
    requestSeq: positive,
    replyTo: fc.stringMatching(/^_INBOX\.[A-Za-z0-9]{1,22}$/),
    submittedAt: instant,
    sessionId: token(128),
    input: jsonValue(),
  },
  { requiredKeys: ["invocationId", "function", "version", "attempt", "nodeId", "leaseToken", "deadline", "timeoutMs", "requestSeq", "submittedAt", "input"] },
) as fc.Arbitrary<InvocationAssigned>;

const state = fc.constantFrom("Initializing", "WarmingUp", "Ready", "Executing", "CoolingDown", "Paused", "Error", "Terminating", "Terminated");

export const nodeStatusReported: fc.Arbitrary<NodeStatusReported> = fc.record({
  reportSeq: count,
  at: instant,
  usage: fc.record({
    cpuPercent: fc.double({ min: 0, max: 800, noNaN: true }),
    memoryMb: fc.double({ min: 0, max: 1e6, noNaN: true }),
    memoryPercent: fc.double({ min: 0, max: 100, noNaN: true }),
    load1: fc.double({ min: 0, max: 64, noNaN: true }),
    running: count,
    slots: count,
  }),
  instances: fc.array(fc.record({ function: token(), version: positive, ready: count, busy: count, total: count }), { maxLength: 3 }),
  transitions: fc.array(
    fc.record(
      { nodeId: token(), instanceId: token(128), function: token(), version: positive, from: fc.option(state, { nil: null }), to: state, reason: fc.string({ maxLength: 50 }), at: instant },
      { requiredKeys: ["nodeId", "instanceId", "function", "version", "from", "to", "at"] },
    ),
    { maxLength: 3 },
  ),
  outcomes: fc.array(
    fc.record(
      {
        invocationId: token(128),
        function: token(),
        version: positive,
        attempt: positive,
        status: fc.constantFrom("succeeded", "failed", "timed_out", "refused"),
        errorCode: fc.constantFrom("timeout", "function_error"),
        instanceId: token(128),
        coldStart: fc.boolean(),
        durationMs: ms,
        at: instant,
      },
      { requiredKeys: ["invocationId", "function", "version", "attempt", "status", "coldStart", "durationMs", "at"] },
    ),
    { maxLength: 3 },
  ),
  draining: fc.boolean(),
}) as fc.Arbitrary<NodeStatusReported>;
