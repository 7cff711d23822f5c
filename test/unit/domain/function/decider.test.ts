import { describe, it } from "vitest";
import type { AggregateEvent } from "../../../../domain/events/catalog.js";
import { FunctionSpec } from "../../../../domain/events/function.js";
import { functionDecider } from "../../../../domain/function/decider.js";
import { deciderSpec } from "../../../support/decider-spec.js";

const given = deciderSpec(functionDecider);
const sha = "a".repeat(64);
const v1spec = FunctionSpec.parse({ runtime: "wasm", artifact: { sha256: sha, size: 10 } });
const v2spec = FunctionSpec.parse({ runtime: "wasm", artifact: { sha256: sha, size: 10 }, limits: { timeoutMs: 1_000 } });
const deployed = (version: number, spec = v1spec, activate = true): AggregateEvent<"function"> => ({ type: "FunctionVersionDeployed", data: { version, spec, activate } });
const deleted: AggregateEvent<"function"> = { type: "FunctionDeleted", data: {} };
const deactivated: AggregateEvent<"function"> = { type: "FunctionDeactivated", data: {} };
const deploy = (spec = v1spec, activate = true) => ({ type: "DeployFunction" as const, name: "echo", spec, activate });

describe("function decider", () => {
  describe("deploy", () => {
    it("deploys version 1 and activates it", () => given([]).when(deploy()).then([deployed(1)]));
    it("numbers a changed spec last + 1", () => given([deployed(1)]).when(deploy(v2spec)).then([deployed(2, v2spec)]));
    it("deploys without activating when asked", () => given([deployed(1)]).when(deploy(v2spec, false)).then([deployed(2, v2spec, false)]));
    it("adds no version for the latest spec again", () => given([deployed(1)]).when(deploy()).thenNothing());
    it("activates the latest version when the same spec comes with activate", () =>
      given([deployed(1), deactivated]).when(deploy()).then([{ type: "FunctionVersionActivated", data: { version: 1 } }]));
    it("compares specs whatever the key order of their records", () => {
      const a = FunctionSpec.parse({ runtime: "process", command: ["node"], env: { A: "1", B: "2" } });
      const b = FunctionSpec.parse({ runtime: "process", command: ["node"], env: { B: "2", A: "1" } });
      given([deployed(1, a)]).when(deploy(b)).thenNothing();
    });
    it("brings a deleted function back with the next number, never reusing one", () => given([deployed(1), deleted]).when(deploy()).then([deployed(2)]));
  });

  describe("update", () => {
    const update = { type: "UpdateFunction" as const, name: "echo", description: "says it back" };
    it("records what changed", () => given([deployed(1)]).when(update).then([{ type: "FunctionUpdated", data: { description: "says it back" } }]));
    it("changes nothing when nothing differs", () =>
      given([deployed(1), { type: "FunctionUpdated", data: { description: "says it back", labels: { a: "b" } } }])
        .when({ ...update, labels: { a: "b" } })
        .thenNothing());
    it("refuses an unknown function", () => given([]).when(update).thenThrows("function_not_found"));
    it("refuses a deleted function", () => given([deployed(1), deleted]).when(update).thenThrows("function_deleted"));
  });

  describe("activate and deactivate", () => {
    const activate = (version: number) => ({ type: "ActivateVersion" as const, name: "echo", version });
    const deactivate = { type: "DeactivateFunction" as const, name: "echo" };
    it("activates another version", () =>
      given([deployed(1), deployed(2, v2spec)]).when(activate(1)).then([{ type: "FunctionVersionActivated", data: { version: 1 } }]));
    it("changes nothing when the version is active already", () => given([deployed(1)]).when(activate(1)).thenNothing());
    it("refuses a version that does not exist", () => given([deployed(1)]).when(activate(7)).thenThrows("version_not_found"));
    it("refuses an unknown function", () => given([]).when(activate(1)).thenThrows("function_not_found"));
    it("refuses a deleted function", () => given([deployed(1), deleted]).when(activate(1)).thenThrows("function_deleted"));
    it("deactivates", () => given([deployed(1)]).when(deactivate).then([deactivated]));
    it("refuses to deactivate an inactive function", () => given([deployed(1, v1spec, false)]).when(deactivate).thenThrows("function_inactive"));
    it("refuses to deactivate an unknown or deleted function", () => {
      given([]).when(deactivate).thenThrows("function_not_found");
      given([deployed(1), deleted]).when(deactivate).thenThrows("function_deleted");
    });
  });

  describe("delete", () => {
    const del = { type: "DeleteFunction" as const, name: "echo" };
    it("deletes", () => given([deployed(1)]).when(del).then([deleted]));
    it("refuses an unknown function", () => given([]).when(del).thenThrows("function_not_found"));
    it("refuses a deleted function", () => given([deployed(1), deleted]).when(del).thenThrows("function_deleted"));
  });
});
