import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { smsRequest } from "../../../services/api/client.js";
import { useGatewayCluster } from "./harness.js";

const g = useGatewayCluster({ open: { uploadLimit: "64kB" } });
const call = (method: string, path: string, body?: unknown) => g.http("open", method, path, body === undefined ? {} : { body });

const echoWasm = new Uint8Array(readFileSync(join(import.meta.dirname, "..", "..", "..", "examples", "echo", "build", "echo.wasm")));

function deployForm(spec: unknown, file?: Uint8Array<ArrayBuffer>, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append("spec", JSON.stringify(spec));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append("artifact", new Blob([file], { type: "application/wasm" }), "echo.wasm");
  return form;
}

describe("gateway: functions over HTTP", () => {
  it("deploys with the artifact uploaded in the same multipart request, then invokes that version", async () => {
    const first = await call("POST", "/v1/functions/gw-up:deploy", deployForm({ runtime: "wasm", limits: { timeoutMs: 5_000 } }, echoWasm));
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ version: 1, created: true, artifact: { size: echoWasm.length, uploaded: true } });
    expect(first.json.function.versions[0].spec).toMatchObject({ runtime: "wasm", artifact: { sha256: first.json.artifact.sha256, size: echoWasm.length } });
    const registered = await smsRequest(g.cluster.nats.nc, api.artifacts.get, { sha256: first.json.artifact.sha256 });
    expect(registered).toMatchObject({ size: echoWasm.length, name: "echo.wasm" });

    // The same bytes and spec again: nothing is uploaded and no version is added.
    const again = await call("POST", "/v1/functions/gw-up:deploy", deployForm({ runtime: "wasm", limits: { timeoutMs: 5_000 } }, echoWasm));
    expect(again.json).toMatchObject({ version: 1, created: false, artifact: { uploaded: false } });

    // A new version, not activated.
    const second = await call("POST", "/v1/functions/gw-up:deploy", deployForm({ runtime: "wasm", limits: { timeoutMs: 6_000 } }, echoWasm, { activate: "false" }));
    expect(second.json).toMatchObject({ version: 2, created: true, function: { activeVersion: 1 } });

    const invoked = await call("POST", "/v1/functions/gw-up:invoke", { input: { n: 1 } });
    expect(invoked.status).toBe(200);
    expect(invoked.json).toMatchObject({ status: "succeeded", version: 1, output: { echo: { n: 1 } } });
    const pinned = await call("POST", "/v1/functions/gw-up:invoke", { input: 2, version: 2 });
    expect(pinned.json).toMatchObject({ status: "succeeded", version: 2 });
  });

  it("deploys a JSON body too (a process, or an artifact registered before)", async () => {
    const r = await call("POST", "/v1/functions/gw-proc:deploy", { spec: { runtime: "process", command: ["true"] } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ version: 1, created: true, function: { name: "gw-proc", activeVersion: 1 } });
    expect(r.json.artifact).toBeUndefined();
  });

  it("refuses a bad spec naming the field, before any byte reaches the object store", async () => {
    const bytes = randomBytes(2048);
    const r = await call("POST", "/v1/functions/gw-bad:deploy", deployForm({ runtime: "cobol" }, bytes));
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("invalid_argument");
    expect(r.json.message).toContain("body.spec.runtime");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    await expect(smsRequest(g.cluster.nats.nc, api.artifacts.get, { sha256 })).rejects.toMatchObject({ code: "artifact_not_found" });

    const notJson = await call("POST", "/v1/functions/gw-bad:deploy", (() => {
      const f = new FormData();
      f.append("spec", "{runtime");
      return f;
    })());
    expect(notJson.status).toBe(400);
    expect(notJson.json.message).toContain("body.spec");

    const noArtifact = await call("POST", "/v1/functions/gw-bad:deploy", { spec: { runtime: "wasm" } });
    expect(noArtifact.status).toBe(400);
    expect(noArtifact.json.message).toContain("body.spec");
  });

  it("answers 413 payload_too_large for an artifact over --upload-limit", async () => {
    const r = await call("POST", "/v1/functions/gw-big:deploy", deployForm({ runtime: "wasm" }, randomBytes(100 * 1024)));
    expect(r.status).toBe(413);
    expect(r.json.code).toBe("payload_too_large");
    expect((await call("GET", "/v1/functions/gw-big")).json.code).toBe("function_not_found");
  });

  it("lists, reads, activates, deactivates and deletes, with the control plane's codes", async () => {
    await call("POST", "/v1/functions/gw-life:deploy", { spec: { runtime: "process", command: ["true"] } });
    await call("POST", "/v1/functions/gw-life:deploy", { spec: { runtime: "process", command: ["false"] } });

    const list = await call("GET", "/v1/functions?limit=1000");
    expect(list.status).toBe(200);
    expect(list.json.items.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(["gw-life", "gw-proc"]));
    const paged = await call("GET", "/v1/functions?limit=1");
    expect(paged.json.items).toHaveLength(1);
    expect(paged.json.nextCursor).toEqual(expect.any(String));

    expect((await call("GET", "/v1/functions/gw-life")).json).toMatchObject({ name: "gw-life", activeVersion: 2, latestVersion: 2 });
    expect((await call("GET", "/v1/functions/gw-life/versions")).json.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await call("POST", "/v1/functions/gw-life:activate", { version: 1 })).json.function.activeVersion).toBe(1);

    const missing = await call("POST", "/v1/functions/gw-life:activate", { version: 9 });
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("version_not_found");

    expect((await call("POST", "/v1/functions/gw-life:deactivate")).json.function.activeVersion).toBeNull();
    const inactive = await call("POST", "/v1/functions/gw-life:invoke", { input: 1 });
    expect(inactive.status).toBe(409);
    expect(inactive.json.code).toBe("function_inactive");

    expect((await call("DELETE", "/v1/functions/gw-life")).json.function.deleted).toBe(true);
    const gone = await call("DELETE", "/v1/functions/gw-life");
    expect(gone.status).toBe(410);
    expect(gone.json.code).toBe("function_deleted");
    expect((await call("GET", "/v1/functions?includeDeleted=true&limit=1000")).json.items.map((f: { name: string }) => f.name)).toContain("gw-life");

    const unknown = await call("GET", "/v1/functions/gw-none");
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("function_not_found");
  });
});

describe("gateway: nodes, pools and sessions over HTTP", () => {
  it("lists and reads nodes, drains and undrains one, and deregisters one", async () => {
    const list = await call("GET", "/v1/nodes");
    expect(list.status).toBe(200);
    expect(list.json.items.map((n: { id: string }) => n.id)).toContain("gw-node-1");
    expect((await call("GET", "/v1/nodes?state=online,draining")).json.total).toBeGreaterThanOrEqual(1);
    const badState = await call("GET", "/v1/nodes?state=sleepy");
    expect(badState.status).toBe(400);
    expect(badState.json.message).toContain("query.state");

    expect((await call("GET", "/v1/nodes/gw-node-1")).json).toMatchObject({ id: "gw-node-1", state: "online" });
    const missing = await call("GET", "/v1/nodes/gw-nobody");
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("node_not_found");

    const drained = await call("POST", "/v1/nodes/gw-node-1:drain", { reason: "upgrade" });
    expect(drained.json.node).toMatchObject({ state: "draining", drainReason: "upgrade" });
    const twice = await call("POST", "/v1/nodes/gw-node-1:drain");
    expect(twice.status).toBe(409);
    expect(twice.json.code).toBe("node_already_draining");
    expect((await call("POST", "/v1/nodes/gw-node-1:undrain")).json.node.state).toBe("online");

    await smsRequest(g.cluster.nats.nc, api.nodes.register, { nodeId: "gw-spare", name: "spare", capabilities: { runtimes: ["wasm"] }, capacity: { slots: 1 } });
    const removed = await call("DELETE", "/v1/nodes/gw-spare?reason=retired");
    expect(removed.status).toBe(200);
    expect(removed.json.node.state).toBe("deregistered");
    const again = await call("DELETE", "/v1/nodes/gw-spare");
    expect(again.status).toBe(410);
    expect(again.json.code).toBe("node_deregistered");
  });

  it("applies a pools document, then lists and reads pools", async () => {
    const applied = await call("POST", "/v1/pools:apply", { pools: [{ id: "gw-pool", name: "Gateway pool" }] });
    expect(applied.status).toBe(200);
    expect(applied.json.pools).toEqual([{ poolId: "gw-pool", action: "created" }]);
    expect((await call("GET", "/v1/pools")).json.items.map((p: { id: string }) => p.id)).toContain("gw-pool");
    const pool = await call("GET", `/v1/pools/gw-pool?minSeq=${applied.json.seq}`);
    expect(pool.json).toMatchObject({ id: "gw-pool", members: expect.arrayContaining(["gw-node-1"]) });
    const missing = await call("GET", "/v1/pools/gw-no-pool");
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("pool_not_found");
    const bad = await call("POST", "/v1/pools:apply", { pools: [{ id: "gw-pool" }] });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain("body.pools.0.name");
  });

  it("reads and ends a session", async () => {
    await call("POST", "/v1/pools:apply", { pools: [{ id: "gw-pool", name: "Gateway pool" }] });
    const bound = await smsRequest(g.cluster.nats.nc, api.sessions.bind, { sessionId: "gw-s1", poolId: "gw-pool" });
    const got = await call("GET", `/v1/sessions/gw-s1?minSeq=${bound.seq}`);
    expect(got.json).toMatchObject({ id: "gw-s1", poolId: "gw-pool", ended: false });
    expect((await call("POST", "/v1/sessions/gw-s1:end")).json.session).toMatchObject({ ended: true });
    const twice = await call("POST", "/v1/sessions/gw-s1:end");
    expect(twice.status).toBe(410);
    expect(twice.json.code).toBe("session_ended");
    const missing = await call("GET", "/v1/sessions/gw-nobody");
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe("session_not_found");
  });
});
