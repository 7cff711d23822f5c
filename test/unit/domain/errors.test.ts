import { describe, expect, it } from "vitest";
import { errorCatalog, hasRetryClass, retryClasses, retryClassOf, SpearError, type ErrorCode, type RetryClass } from "../../../domain/errors.js";
import type { RefusalCode } from "../../../domain/scheduling/place.js";
import type { RuntimeErrorCode } from "../../../services/spearlet/runtime/runtime.js";

const codes = Object.keys(errorCatalog) as ErrorCode[];
const codesOf = (r: RetryClass) => codes.filter((c) => retryClassOf(c) === r);

describe("the error catalog's retry classes", () => {
  it("gives every code one of the classes, and every class a code", () => {
    for (const c of codes) expect(Object.keys(retryClasses), c).toContain(errorCatalog[c].retry);
    for (const r of Object.keys(retryClasses) as RetryClass[]) expect(codesOf(r), r).not.toEqual([]);
  });

  it("calls a code outside the catalog (a function's own) final", () => {
    expect(retryClassOf("my_own_error")).toBe("final");
  });

  it("retries a call elsewhere only when the node or instance failed it, not the function (verdictOfCall)", () => {
    const runtime: Record<RuntimeErrorCode, boolean> = {
      instance_crashed: true,
      runtime_unavailable: true,
      timeout: false,
      memory_limit_exceeded: false,
      cpu_limit_exceeded: false,
      function_error: false,
      invalid_output: false,
      output_too_large: false,
      permission_denied: false,
    };
    for (const [c, retried] of Object.entries(runtime)) expect(retryClassOf(c) === "retryable", c).toBe(retried);
  });

  it("counts a node's refusals before running as refusals (retryCause)", () => {
    expect(codesOf("refusal")).toEqual(expect.arrayContaining(["saturated", "rate_limited", "node_draining"]));
    for (const c of ["instance_crashed", "instance_start_failed", "pool_closed", "function_not_found", "internal"]) expect(retryClassOf(c), c).not.toBe("refusal");
  });

  it("fences off a call whose lease is gone, and only then (the assignment runner)", () => {
    expect(codesOf("fenced").sort()).toEqual(["lease_expired", "lease_not_found", "lease_not_held"]);
  });

  it("waits out exactly the outages of NATS, Redis and the control plane (isOutage)", () => {
    expect(codesOf("outage").sort()).toEqual(["lease_state_lost", "nats_unreachable", "redis_unreachable", "service_unavailable", "timeout"]);
  });

  it("keeps a request waiting on capacity or a capable node, and rejects every other refusal of placement (the dispatcher)", () => {
    const placement: Record<RefusalCode, boolean> = {
      no_capacity: true,
      function_requirements_unmet: true,
      function_not_found: false,
      function_inactive: false,
      version_not_found: false,
      no_eligible_pool: false,
    };
    for (const [c, waits] of Object.entries(placement)) expect(retryClassOf(c) === "retryable", c).toBe(waits);
    expect(retryClassOf("session_already_bound")).toBe("conflict");
  });

  it("keeps registering through a control plane that is away or busy, and stops at a refusal (registration)", () => {
    for (const c of ["service_unavailable", "timeout", "internal", "version_conflict"]) expect(retryClassOf(c), c).not.toBe("final");
    for (const c of ["invalid_argument", "node_not_found", "node_deregistered"]) expect(retryClassOf(c), c).toBe("final");
  });

  it("tells a SpearError by the class of its code", () => {
    expect(hasRetryClass(new SpearError("lease_expired", "gone"), "fenced")).toBe(true);
    expect(hasRetryClass(new SpearError("lease_state_lost", "rebuilding"), "fenced")).toBe(false);
    expect(hasRetryClass(Object.assign(new Error("gone"), { code: "lease_expired" }), "fenced")).toBe(false);
    expect(hasRetryClass("lease_expired", "fenced")).toBe(false);
  });
});

describe("typed details", () => {
  it("match the catalog's shape and pass through to the wire", () => {
    const e = new SpearError("no_capacity", "no node can take f@1 now", { function: "f", version: 1, pools: ["p"], examined: 2, rejected: { full: 2 } });
    expect(errorCatalog.no_capacity.details.parse(e.details)).toEqual(e.details);
    expect(e.toJSON()).toEqual({ code: "no_capacity", message: "no node can take f@1 now", details: { function: "f", version: 1, pools: ["p"], examined: 2, rejected: { full: 2 } } });
    expect(errorCatalog.rate_limited.details.safeParse({ reason: "gateway_rate_limit", limit: 5, windowMs: 1_000 }).success).toBe(true);
    expect(errorCatalog.rate_limited.details.safeParse({ reason: "gateway_rate_limit" }).success).toBe(false);
  });
});
