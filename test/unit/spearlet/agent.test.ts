import { describe, expect, it } from "vitest";
import { FunctionSpec } from "../../../domain/events/function.js";
import type { InvocationAssigned } from "../../../domain/events/invocation.js";
import { SpearError } from "../../../domain/errors.js";
import { parseConfig } from "../../../services/config.js";
import { nodeIdOf, SpearletConfig } from "../../../services/spearlet/agent/config.js";
import { canRun } from "../../../services/spearlet/agent/runtimes.js";
import { finishedEvent, retryCause, verdictOfCall, verdictOfError } from "../../../services/spearlet/agent/verdict.js";
import type { PoolCall } from "../../../services/spearlet/pool/instance-pool.js";
import type { RuntimeErrorCode } from "../../../services/spearlet/runtime/runtime.js";

const call = (outcome: PoolCall["outcome"]): PoolCall => ({ outcome, instanceId: "i1", coldStart: false, tier: "hot" });
const failed = (code: RuntimeErrorCode) =>
  call({ ok: false, error: { code, message: `${code} happened` }, durationMs: 3, instanceBroken: false });

describe("spearlet settings", () => {
  it("reads lists and labels from flag strings and fills the defaults", () => {
    const c = parseConfig(SpearletConfig, { name: "n1", slots: "4", services: "asr, tts", languages: "en,zh", labels: "gpu=a100,zone=eu-1", runtimes: "wasm,process", heartbeat: "2s" });
    expect(c).toMatchObject({ slots: 4, services: ["asr", "tts"], languages: ["en", "zh"], labels: { gpu: "a100", zone: "eu-1" }, runtimes: ["wasm", "process"], heartbeat: 2_000 });
    expect(c).toMatchObject({ reportFlush: 250, reportMax: 256, drainTimeout: 30_000, dataDir: ".spear", wasmSpareWorkers: 1 });
    expect(parseConfig(SpearletConfig, { name: "n1", slots: 1, wasmSpareWorkers: "0" }).wasmSpareWorkers).toBe(0);
    expect(nodeIdOf(c)).toBe("n1");
    expect(nodeIdOf(parseConfig(SpearletConfig, { name: "GPU box #1", nodeId: "gpu1", slots: 1 }))).toBe("gpu1");
  });

  it("names each bad setting", () => {
    const problem = (raw: object) => {
      try {
        parseConfig(SpearletConfig, raw, "spearlet settings");
        return "ok";
      } catch (e) {
        return (e as SpearError).message;
      }
    };
    expect(problem({ name: "GPU box #1", slots: 1 })).toMatch(/name: is not a valid node id/);
    expect(problem({ name: "n1", slots: 0 })).toMatch(/slots/);
    expect(problem({ name: "n1", slots: 1, labels: "gpu" })).toMatch(/label 'gpu' is not key=value/);
    expect(problem({ name: "n1", slots: 1, runtimes: "wasm,jvm" })).toMatch(/runtimes/);
    expect(problem({ name: "n1", slots: 1, heartbeat: "soon" })).toMatch(/heartbeat: 'soon' is not a duration/);
    expect(problem({ name: "n1", slots: 1, wasmSpareWorkers: 65 })).toMatch(/wasmSpareWorkers/);
  });
});

describe("what becomes of a call", () => {
  it("records successes and failures of the function; timeouts as timed_out", () => {
    expect(verdictOfCall(call({ ok: true, output: { a: 1 }, durationMs: 2 }))).toMatchObject({ kind: "final", status: "succeeded", output: { a: 1 } });
    for (const code of ["function_error", "invalid_output", "output_too_large", "permission_denied", "memory_limit_exceeded", "cpu_limit_exceeded"] as const)
      expect(verdictOfCall(failed(code))).toMatchObject({ kind: "final", status: "failed", error: { code } });
    expect(verdictOfCall(failed("timeout"))).toMatchObject({ kind: "final", status: "timed_out", error: { code: "timeout" } });
  });

  it("retries elsewhere what this node or instance could not do", () => {
    expect(verdictOfCall(failed("instance_crashed"))).toMatchObject({ kind: "retry", error: { code: "instance_crashed" } });
    expect(verdictOfCall(failed("runtime_unavailable"))).toMatchObject({ kind: "retry", error: { code: "runtime_unavailable" } });
    for (const code of ["saturated", "rate_limited", "instance_start_failed", "pool_closed", "version_not_found"] as const)
      expect(verdictOfError(new SpearError(code, "no"))).toEqual({ kind: "retry", error: { code, message: "no" } });
    expect(verdictOfError(new Error("boom"))).toEqual({ kind: "retry", error: { code: "internal", message: "boom" } });
  });

  it("keeps a node that refused for a moment in play, and leaves out one that failed the call or is draining", () => {
    for (const code of ["saturated", "rate_limited"]) expect(retryCause(code, "n1")).toEqual({ refusal: true });
    expect(retryCause("node_draining", "n1")).toEqual({ refusal: true, excludeNode: "n1" });
    for (const code of ["instance_crashed", "runtime_unavailable", "instance_start_failed", "pool_closed", "version_not_found", "internal", "my_own_error"])
      expect(retryCause(code, "n1")).toEqual({ excludeNode: "n1" });
  });

  it("writes the result with the attempt, the node and the timings", () => {
    const a: InvocationAssigned = {
      invocationId: "inv1",
      function: "echo",
      version: 2,
      attempt: 3,
      nodeId: "n1",
      leaseToken: "7",
      deadline: "2030-01-01T00:00:10.000Z",
      timeoutMs: 1_000,
      requestSeq: 5,
      submittedAt: "2030-01-01T00:00:00.000Z",
      input: 1,
    };
    const v = verdictOfCall(failed("timeout"));
    if (v.kind !== "final") throw new Error("expected a final verdict");
    const start = Date.parse("2030-01-01T00:00:01.000Z");
    expect(finishedEvent(a, "n1", v, { assignedAt: "2030-01-01T00:00:00.500Z", startedAt: start, finishedAt: start + 1_000 })).toEqual({
      invocationId: "inv1",
      function: "echo",
      version: 2,
      status: "timed_out",
      error: { code: "timeout", message: "timeout happened" },
      nodeId: "n1",
      attempts: 3,
      timings: {
        submittedAt: "2030-01-01T00:00:00.000Z",
        assignedAt: "2030-01-01T00:00:00.500Z",
        startedAt: "2030-01-01T00:00:01.000Z",
        finishedAt: "2030-01-01T00:00:02.000Z",
        queueMs: 1_000,
        runMs: 1_000,
        totalMs: 2_000,
      },
    });
  });
});

describe("which versions a node prewarms", () => {
  const caps = { runtimes: ["wasm" as const], services: ["asr"], languages: ["en", "zh"], labels: { gpu: "a100" } };
  const spec = (o: object) => FunctionSpec.parse({ runtime: "wasm", artifact: { sha256: "a".repeat(64), size: 1 }, ...o });
  it("only those the scheduler could place here", () => {
    expect(canRun(caps, spec({}))).toBe(true);
    expect(canRun(caps, spec({ requirements: { services: ["asr"], labels: { gpu: "a100" }, langPair: { source: "en", target: "zh" } } }))).toBe(true);
    expect(canRun(caps, FunctionSpec.parse({ runtime: "process", command: ["x"] }))).toBe(false);
    expect(canRun(caps, spec({ requirements: { services: ["ocr"] } }))).toBe(false);
    expect(canRun(caps, spec({ requirements: { labels: { gpu: "h100" } } }))).toBe(false);
    expect(canRun(caps, spec({ requirements: { langPair: { source: "en", target: "ja" } } }))).toBe(false);
  });
});
