import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { FunctionSpec } from "../../../../domain/events/function.js";
import { evolveFunctionView, resolveVersion, summarizeFunction, type FunctionView } from "../../../../domain/function/view.js";
import { recorder } from "../../../support/recorded.js";

const sha = "b".repeat(64);
const spec1 = FunctionSpec.parse({ runtime: "wasm", artifact: { sha256: sha, size: 3 } });
const spec2 = FunctionSpec.parse({ runtime: "container", image: "spear/echo:1" });

function view(events: DomainEvent[]): FunctionView | undefined {
  const r = recorder("function");
  return events.map((e) => r("echo", e)).reduce<FunctionView | undefined>(evolveFunctionView, undefined);
}

const v1: DomainEvent = { type: "FunctionVersionDeployed", data: { version: 1, spec: spec1, activate: true } };
const v2: DomainEvent = { type: "FunctionVersionDeployed", data: { version: 2, spec: spec2, activate: false } };

describe("function view", () => {
  it("keeps every version, the active one and the metadata", () => {
    const f = view([v1, v2, { type: "FunctionUpdated", data: { description: "d", labels: { team: "x" } } }])!;
    expect(f.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(f).toMatchObject({ name: "echo", activeVersion: 1, latestVersion: 2, deleted: false, description: "d", labels: { team: "x" }, version: 3 });
    expect(f.createdAt).toBe("2030-01-01T00:00:00.000Z");
  });

  it("resolves the active version when none is named, and a named one otherwise", () => {
    const f = view([v1, v2])!;
    expect(resolveVersion(f)).toEqual({ ok: true, name: "echo", version: 1, spec: spec1 });
    expect(resolveVersion(f, 2)).toEqual({ ok: true, name: "echo", version: 2, spec: spec2 });
  });

  it("returns the typed error of each way resolution fails", () => {
    const code = (r: ReturnType<typeof resolveVersion>) => (r.ok ? "ok" : r.error.code);
    expect(code(resolveVersion(undefined, undefined, "nope"))).toBe("function_not_found");
    expect(code(resolveVersion(view([v1, v2])!, 9))).toBe("version_not_found");
    expect(code(resolveVersion(view([v1, { type: "FunctionDeactivated", data: {} }])!))).toBe("function_inactive");
    expect(code(resolveVersion(view([v1, { type: "FunctionDeactivated", data: {} }])!, 1))).toBe("ok");
    expect(code(resolveVersion(view([v1, { type: "FunctionDeleted", data: {} }])!, 1))).toBe("function_deleted");
  });

  it("comes back from deletion with a new version", () => {
    const f = view([v1, { type: "FunctionDeleted", data: {} }, { type: "FunctionVersionDeployed", data: { version: 2, spec: spec1, activate: true } }])!;
    expect(f).toMatchObject({ deleted: false, deletedAt: null, activeVersion: 2, latestVersion: 2 });
  });

  it("summarizes with the default version's runtime and artifact", () => {
    expect(summarizeFunction(view([v1, v2])!)).toMatchObject({ name: "echo", version: 1, runtime: "wasm", sha256: sha, image: null });
    const inactive = view([v1, v2, { type: "FunctionDeactivated", data: {} }])!;
    expect(summarizeFunction(inactive)).toMatchObject({ version: 2, activeVersion: null, runtime: "container", sha256: null, image: "spear/echo:1" });
  });
});
