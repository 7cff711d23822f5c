import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiReply } from "../../../../domain/api/envelope.js";
import { api, apiEndpoints } from "../../../../domain/api/registry.js";
import { isErrorCode } from "../../../../domain/errors.js";

describe("API endpoint registry", () => {
  it("puts every verb on its own subject spear.api.<area>.<verb>", () => {
    const subjects = apiEndpoints.map((e) => e.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const e of apiEndpoints) expect(e.subject).toBe(`spear.api.${e.area}.${e.verb}`);
    expect(api.nodes.list.subject).toBe("spear.api.nodes.list");
    expect(api.functions.deploy.subject).toBe("spear.api.functions.deploy");
  });

  it("names only error codes of the catalog", () => {
    for (const e of apiEndpoints) for (const code of e.errors) expect(isErrorCode(code), `${e.subject}: ${code}`).toBe(true);
  });

  it("renders every request and result as JSON Schema (the gateway generates OpenAPI from them)", () => {
    for (const e of apiEndpoints) {
      expect(() => z.toJSONSchema(e.request, { io: "input", unrepresentable: "any" }), e.subject).not.toThrow();
      expect(() => z.toJSONSchema(e.result, { io: "output", unrepresentable: "any" }), e.subject).not.toThrow();
    }
  });

  it("fills request defaults and refuses malformed requests", () => {
    expect(api.nodes.list.request.parse({})).toEqual({ limit: 100 });
    expect(api.functions.list.request.parse({ limit: 5 })).toEqual({ limit: 5, includeDeleted: false });
    expect(api.nodes.list.request.safeParse({ limit: 0 }).success).toBe(false);
    expect(api.nodes.update.request.safeParse({ nodeId: "n1" }).success).toBe(false);
    expect(api.pools.apply.request.parse({ pools: [{ id: "p", name: "p" }] }).pools[0]).toMatchObject({ matchMode: "contains", languages: { anyToAny: true } });
  });

  it("wraps results and errors in one reply shape", () => {
    const reply = apiReply(api.pools.remove.result);
    expect(reply.parse({ ok: true, result: { poolId: "p", seq: 3 } })).toEqual({ ok: true, result: { poolId: "p", seq: 3 } });
    expect(reply.parse({ ok: false, error: { code: "pool_not_found", message: "no" } }).ok).toBe(false);
    expect(reply.safeParse({ ok: true }).success).toBe(false);
  });
});
