import { describe, it } from "vitest";
import { nodeDecider } from "../../../../domain/node/decider.js";
import type { DomainEvent } from "../../../../domain/events/catalog.js";
import { deciderSpec } from "../../../support/decider-spec.js";

const given = deciderSpec(nodeDecider);
const caps = { runtimes: ["wasm" as const], services: ["asr"], languages: ["en", "zh"], labels: {} };
const capacity = { slots: 4 };
const registered: DomainEvent = { type: "NodeRegistered", data: { name: "n1", capabilities: caps, capacity } };
const drained: DomainEvent = { type: "NodeDrained", data: {} };
const deregistered: DomainEvent = { type: "NodeDeregistered", data: {} };
const lost: DomainEvent = { type: "NodeLost", data: { lastSeenAt: "2030-01-01T00:00:05.000Z", timeoutMs: 15_000 } };
const register = { type: "RegisterNode" as const, nodeId: "n1", name: "n1", capabilities: caps, capacity };

describe("node decider", () => {
  describe("register", () => {
    it("registers a new node", () => given([]).when(register).then([registered]));
    it("changes nothing when the same facts come again", () => given([registered]).when(register).thenNothing());
    it("turns new facts of a live node into an update of what changed", () =>
      given([registered])
        .when({ ...register, capacity: { slots: 8 } })
        .then([{ type: "NodeUpdated", data: { capacity: { slots: 8 } } }]));
    it("starts a new life after deregistration", () => given([registered, deregistered]).when(register).then([registered]));
  });

  describe("update", () => {
    it("records the name and capabilities that changed", () =>
      given([registered])
        .when({ type: "UpdateNode", nodeId: "n1", name: "big", capabilities: { ...caps, languages: ["en"] } })
        .then([{ type: "NodeUpdated", data: { name: "big", capabilities: { ...caps, languages: ["en"] } } }]));
    it("changes nothing when nothing differs", () => given([registered]).when({ type: "UpdateNode", nodeId: "n1", capacity }).thenNothing());
    it("refuses an unknown node", () => given([]).when({ type: "UpdateNode", nodeId: "n1", capacity }).thenThrows("node_not_found"));
    it("refuses a deregistered node", () => given([registered, deregistered]).when({ type: "UpdateNode", nodeId: "n1", capacity }).thenThrows("node_deregistered"));
  });

  describe("drain and undrain", () => {
    it("drains an online node with its reason", () =>
      given([registered]).when({ type: "DrainNode", nodeId: "n1", reason: "upgrade" }).then([{ type: "NodeDrained", data: { reason: "upgrade" } }]));
    it("drains a lost node", () => given([registered, lost]).when({ type: "DrainNode", nodeId: "n1" }).then([drained]));
    it("refuses to drain a draining node", () => given([registered, drained]).when({ type: "DrainNode", nodeId: "n1" }).thenThrows("node_already_draining"));
    it("refuses to drain an unknown node", () => given([]).when({ type: "DrainNode", nodeId: "n1" }).thenThrows("node_not_found"));
    it("refuses to drain a deregistered node", () => given([registered, deregistered]).when({ type: "DrainNode", nodeId: "n1" }).thenThrows("node_deregistered"));
    it("undrains a draining node", () => given([registered, drained]).when({ type: "UndrainNode", nodeId: "n1" }).then([{ type: "NodeUndrained", data: {} }]));
    it("refuses to undrain an online node", () => given([registered]).when({ type: "UndrainNode", nodeId: "n1" }).thenThrows("node_not_draining"));
    it("refuses to undrain an unknown node", () => given([]).when({ type: "UndrainNode", nodeId: "n1" }).thenThrows("node_not_found"));
    it("refuses to undrain a deregistered node", () =>
      given([registered, drained, deregistered]).when({ type: "UndrainNode", nodeId: "n1" }).thenThrows("node_deregistered"));
  });

  describe("deregister", () => {
    it("deregisters a live node", () =>
      given([registered, drained]).when({ type: "DeregisterNode", nodeId: "n1", reason: "gone" }).then([{ type: "NodeDeregistered", data: { reason: "gone" } }]));
    it("refuses an unknown node", () => given([]).when({ type: "DeregisterNode", nodeId: "n1" }).thenThrows("node_not_found"));
    it("refuses a deregistered node", () => given([registered, deregistered]).when({ type: "DeregisterNode", nodeId: "n1" }).thenThrows("node_deregistered"));
  });

  describe("liveness verdicts", () => {
    const markLost = { type: "MarkNodeLost" as const, nodeId: "n1", lastSeenAt: "2030-01-01T00:00:05.000Z", timeoutMs: 15_000 };
    const recovered = (seenAt: string) => ({ type: "MarkNodeRecovered" as const, nodeId: "n1", seenAt });
    it("marks a live node lost", () => given([registered]).when(markLost).then([lost]));
    it("marks a draining node lost", () => given([registered, drained]).when(markLost).then([lost]));
    it("does nothing to a node already lost (the replica that lost the race)", () => given([registered, lost]).when(markLost).thenNothing());
    it("does nothing to unknown or deregistered nodes", () => {
      given([]).when(markLost).thenNothing();
      given([registered, deregistered]).when(markLost).thenNothing();
    });
    it("recovers a lost node on a newer report", () =>
      given([registered, lost])
        .when(recovered("2030-01-01T00:00:30.000Z"))
        .then([{ type: "NodeRecovered", data: { seenAt: "2030-01-01T00:00:30.000Z" } }]));
    it("ignores a report no newer than the one known at the loss", () => given([registered, lost]).when(recovered("2030-01-01T00:00:05.000Z")).thenNothing());
    it("recovers a node lost without ever reporting on any report", () =>
      given([registered, { type: "NodeLost", data: { lastSeenAt: null, timeoutMs: 15_000 } }])
        .when(recovered("2029-01-01T00:00:00.000Z"))
        .then([{ type: "NodeRecovered", data: { seenAt: "2029-01-01T00:00:00.000Z" } }]));
    it("does nothing to a node that is not lost", () => given([registered]).when(recovered("2030-01-01T00:00:30.000Z")).thenNothing());
    it("does nothing to a deregistered node", () => given([registered, lost, deregistered]).when(recovered("2030-01-01T00:00:30.000Z")).thenNothing());
  });
});
