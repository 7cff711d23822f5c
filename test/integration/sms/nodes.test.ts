import { undecodableHeaders } from "../../support/undecodable-headers.js";
import { describe, expect, it } from "vitest";
import { decodeJson } from "../../../streams/json.js";
import { api, apiEndpoints } from "../../../domain/api/registry.js";
import { useSms } from "./harness.js";

const sms = useSms();
const caps = { runtimes: ["wasm" as const], services: ["asr"], languages: ["en", "zh"] };
const register = (nodeId: string, slots = 4) => sms.call(api.nodes.register, { nodeId, name: nodeId, capabilities: caps, capacity: { slots } });

describe("nodes API", () => {
  it("register → list shows the node at once", async () => {
    const r = await register("alpha");
    expect(r.node).toMatchObject({ id: "alpha", state: "online", capacity: { slots: 4 }, usage: null });
    const list = await sms.call(api.nodes.list, {});
    expect(list.items.map((n) => n.id)).toContain("alpha");
    const again = await register("alpha");
    expect(again.seq).toBe(r.seq);
    const bigger = await register("alpha", 8);
    expect(bigger.seq).toBeGreaterThan(r.seq);
    expect(bigger.node.capacity.slots).toBe(8);
  });

  it("drains, undrains and deregisters, refusing illegal transitions with their code and appending nothing", async () => {
    await register("beta");
    expect((await sms.call(api.nodes.drain, { nodeId: "beta", reason: "upgrade" })).node).toMatchObject({ state: "draining", drainReason: "upgrade" });
    const before = await sms.lastEventSeq();
    expect(await sms.codeOf(api.nodes.drain, { nodeId: "beta" })).toBe("node_already_draining");
    expect(await sms.codeOf(api.nodes.undrain, { nodeId: "ghost" })).toBe("node_not_found");
    expect(await sms.codeOf(api.nodes.get, { nodeId: "ghost" })).toBe("node_not_found");
    expect(await sms.lastEventSeq()).toBe(before);
    expect((await sms.call(api.nodes.undrain, { nodeId: "beta" })).node.state).toBe("online");
    expect(await sms.codeOf(api.nodes.undrain, { nodeId: "beta" })).toBe("node_not_draining");
    expect((await sms.call(api.nodes.deregister, { nodeId: "beta" })).node.state).toBe("deregistered");
    const after = await sms.lastEventSeq();
    expect(await sms.codeOf(api.nodes.deregister, { nodeId: "beta" })).toBe("node_deregistered");
    expect(await sms.codeOf(api.nodes.drain, { nodeId: "beta" })).toBe("node_deregistered");
    expect(await sms.lastEventSeq()).toBe(after);
    const list = await sms.call(api.nodes.list, {});
    expect(list.items.map((n) => n.id)).not.toContain("beta");
    const gone = await sms.call(api.nodes.list, { states: ["deregistered"] });
    expect(gone.items.map((n) => n.id)).toEqual(["beta"]);
  });

  it("answers malformed bodies with invalid_argument and the problem, appending nothing", async () => {
    const before = await sms.lastEventSeq();
    const notJson = await sms.raw("spear.api.nodes.register", "{nope");
    expect(notJson).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
    const badBody = await sms.raw("spear.api.nodes.register", { nodeId: "has space", name: "", capacity: { slots: 0 } });
    expect(badBody.ok).toBe(false);
    expect(badBody.error?.code).toBe("invalid_argument");
    expect(JSON.stringify(badBody.error?.details)).toMatch(/capabilities/);
    await expect(sms.call(api.nodes.drain, { nodeId: "" })).rejects.toMatchObject({ code: "invalid_argument" });
    expect(await sms.lastEventSeq()).toBe(before);
  });

  it("answers a malformed body on every verb with invalid_argument, appending nothing", async () => {
    const before = await sms.lastEventSeq();
    for (const e of apiEndpoints) {
      for (const body of ["[1, 2]", "not json", '"a string"']) {
        const reply = await sms.raw(e.subject, body);
        expect(reply, `${e.subject} ${body}`).toMatchObject({ ok: false, error: { code: "invalid_argument" } });
      }
    }
    expect(await sms.lastEventSeq()).toBe(before);
  });

  it("answers a request whose headers cannot be decoded as one without headers", async () => {
    // A raw client can send a header name with a space; nats.js throws when it is read.
    const reply = await sms.nats.nc.request(api.nodes.list.subject, "{}", { timeout: 10_000, headers: undecodableHeaders() });
    expect(decodeJson(reply.data)).toMatchObject({ ok: true, result: { items: expect.any(Array) } });
  });

  it("pages through nodes with a cursor", async () => {
    for (const id of ["p1", "p2", "p3", "p4", "p5"]) await register(id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await sms.call(api.nodes.list, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((n) => n.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(["alpha", "p1", "p2", "p3", "p4", "p5"]));
  });
});
