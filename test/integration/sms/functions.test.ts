import { Objm } from "@nats-io/obj";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ARTIFACT_BUCKET } from "../../../domain/api/artifacts.js";
import { api } from "../../../domain/api/registry.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { readStream } from "../../../streams/reader.js";
import { runCli } from "../../support/cli.js";
import { useSms } from "./harness.js";

const sms = useSms({ maxArtifactSize: "4KiB" });
const dir = mkdtempSync(join(tmpdir(), "spear-fn-"));
const cli = (...args: string[]) => runCli([...args, "--nats", sms.server.url]);
const lines = (out: string) => out.split("\n").filter((l) => l.trim().length > 0);
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

// The smallest valid WebAssembly module: magic and version.
const wasm = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const wasmFile = join(dir, "echo.wasm");
writeFileSync(wasmFile, wasm);

/** Whether the object store holds live bytes under a name (a deleted object leaves a marker). */
async function stored(name: string): Promise<boolean> {
  const info = await (await new Objm(sms.nats.js).open(ARTIFACT_BUCKET)).info(name);
  return info !== null && !info.deleted;
}

async function count(stream: string, filter: string): Promise<number> {
  let n = 0;
  for await (const _m of readStream(sms.nats.js, stream, { filter })) n++;
  return n;
}

describe("functions and artifacts", () => {
  it("spear functions deploy, then ls --json shows the function with its artifact sha256 and version", async () => {
    const deployed = await cli("functions", "deploy", "echo", "--wasm", wasmFile, "--min-warm", "1", "--json");
    expect(deployed.stderr).toBe("");
    expect(deployed.code).toBe(0);
    expect(JSON.parse(deployed.stdout)).toMatchObject({ name: "echo", version: 1, created: true, uploaded: true, runtime: "wasm", sha256: sha(wasm) });

    const ls = await cli("functions", "ls", "--json");
    expect(ls.code).toBe(0);
    const echo = lines(ls.stdout).map((l) => JSON.parse(l)).find((f) => f.name === "echo");
    expect(echo).toMatchObject({ name: "echo", version: 1, activeVersion: 1, runtime: "wasm", sha256: sha(wasm) });

    const table = await cli("functions", "ls");
    expect(table.stdout).toMatch(/echo/);
    expect(table.stdout).toContain(sha(wasm));
  });

  it("stores the same bytes once, however often they are deployed", async () => {
    const again = await cli("functions", "deploy", "echo-too", "--wasm", wasmFile, "--json");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ version: 1, uploaded: false, sha256: sha(wasm) });
    const same = await cli("functions", "deploy", "echo", "--wasm", wasmFile, "--min-warm", "1", "--json");
    expect(JSON.parse(same.stdout)).toMatchObject({ version: 1, created: false, uploaded: false });

    const os = await new Objm(sms.nats.js).open(ARTIFACT_BUCKET);
    expect((await os.list()).filter((o) => !o.deleted).map((o) => o.name)).toEqual([sha(wasm)]);
    expect(await count(streamNames.events, subjects.event("artifact", sha(wasm)))).toBe(1);

    const concurrent = await Promise.all([1, 2, 3].map(() => sms.call(api.artifacts.register, { sha256: sha(wasm), size: wasm.length })));
    expect(concurrent.every((r) => !r.created)).toBe(true);
    expect(await count(streamNames.events, subjects.event("artifact", sha(wasm)))).toBe(1);
  });

  it("deploys a process with requirements, limits and scaling from flags", async () => {
    const r = await cli(
      "functions", "deploy", "worker",
      "--process", 'node "my worker.js"',
      "--requires", "service:asr",
      "--requires", "lang:en>zh",
      "--requires", "label:gpu=a100",
      "--timeout", "5s",
      "--min-warm", "2",
      "--policy", "least-connections",
      "--env", "MODE=fast",
      "--json",
    );
    expect(r.stderr).toBe("");
    const got = await sms.call(api.functions.resolve, { name: "worker" });
    expect(got.spec).toMatchObject({
      runtime: "process",
      command: ["node", "my worker.js"],
      env: { MODE: "fast" },
      requirements: { services: ["asr"], langPair: { source: "en", target: "zh" }, labels: { gpu: "a100" } },
      limits: { timeoutMs: 5_000 },
      scaling: { minWarm: 2 },
      policy: "least-connections",
    });
    const bad = await cli("functions", "deploy", "worker", "--process", "x", "--image", "y");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/exactly one of --wasm FILE, --process CMD, --image IMAGE \[invalid_argument\]/);
  });

  it("refuses an artifact over the limit before uploading, with a clear error", async () => {
    const big = new Uint8Array(5_000).fill(7);
    const file = join(dir, "big.wasm");
    writeFileSync(file, big);
    const r = await cli("functions", "deploy", "big", "--wasm", file);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/the artifact has 5000 bytes; the limit is 4096 bytes \[payload_too_large\]/);
    expect(await stored(sha(big))).toBe(false);

    // A client that skips the check and uploads anyway is refused by the server, and the bytes go.
    const os = await new Objm(sms.nats.js).open(ARTIFACT_BUCKET);
    await os.putBlob({ name: sha(big) }, big);
    expect(await sms.codeOf(api.artifacts.register, { sha256: sha(big), size: big.length })).toBe("payload_too_large");
    expect(await stored(sha(big))).toBe(false);
  });

  it("refuses bytes that do not hash to their name, and unknown artifacts", async () => {
    const os = await new Objm(sms.nats.js).open(ARTIFACT_BUCKET);
    const liar = "f".repeat(64);
    await os.putBlob({ name: liar }, new Uint8Array([1, 2, 3]));
    const before = await sms.lastEventSeq();
    expect(await sms.codeOf(api.artifacts.register, { sha256: liar, size: 3 })).toBe("artifact_integrity");
    expect(await stored(liar)).toBe(false);
    expect(await sms.codeOf(api.artifacts.register, { sha256: "e".repeat(64), size: 3 })).toBe("artifact_not_found");
    expect(await sms.codeOf(api.artifacts.get, { sha256: "e".repeat(64) })).toBe("artifact_not_found");
    expect(
      await sms.codeOf(api.functions.deploy, { name: "ghost", spec: { runtime: "wasm", artifact: { sha256: "e".repeat(64), size: 3 } } }),
    ).toBe("artifact_not_found");
    expect(await sms.lastEventSeq()).toBe(before);
  });

  it("answers unknown names and illegal transitions with their codes, appending nothing", async () => {
    await sms.call(api.functions.deploy, { name: "life", spec: { runtime: "container", image: "spear/life:1" } });
    const before = await sms.lastEventSeq();
    expect(await sms.codeOf(api.functions.get, { name: "nobody" })).toBe("function_not_found");
    expect(await sms.codeOf(api.functions.activate, { name: "nobody", version: 1 })).toBe("function_not_found");
    expect(await sms.codeOf(api.functions.activate, { name: "life", version: 9 })).toBe("version_not_found");
    expect(await sms.codeOf(api.functions.resolve, { name: "life", version: 9 })).toBe("version_not_found");
    expect(await sms.codeOf(api.functions.deploy, { name: "life", spec: { runtime: "container" } })).toBe("invalid_argument");
    expect(await sms.lastEventSeq()).toBe(before);

    await sms.call(api.functions.deactivate, { name: "life" });
    const inactive = await sms.lastEventSeq();
    expect(await sms.codeOf(api.functions.deactivate, { name: "life" })).toBe("function_inactive");
    expect(await sms.codeOf(api.functions.resolve, { name: "life" })).toBe("function_inactive");
    expect((await sms.call(api.functions.resolve, { name: "life", version: 1 })).spec.image).toBe("spear/life:1");
    expect(await sms.lastEventSeq()).toBe(inactive);

    await sms.call(api.functions.delete, { name: "life" });
    const deleted = await sms.lastEventSeq();
    expect(await sms.codeOf(api.functions.delete, { name: "life" })).toBe("function_deleted");
    expect(await sms.codeOf(api.functions.update, { name: "life", description: "x" })).toBe("function_deleted");
    expect(await sms.codeOf(api.functions.resolve, { name: "life", version: 1 })).toBe("function_deleted");
    expect(await sms.lastEventSeq()).toBe(deleted);
    const cliGone = await cli("functions", "get", "nobody");
    expect(cliGone.code).toBe(1);
    expect(cliGone.stderr).toMatch(/no function 'nobody' is deployed \[function_not_found\]/);
  });

  it("pages through versions", async () => {
    for (let t = 1; t <= 5; t++) await sms.call(api.functions.deploy, { name: "many", spec: { runtime: "container", image: `spear/many:${t}` } });
    const first = await sms.call(api.functions.versions, { name: "many", limit: 2 });
    expect(first.items.map((v) => v.version)).toEqual([1, 2]);
    const second = await sms.call(api.functions.versions, { name: "many", limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((v) => v.version)).toEqual([3, 4]);
    const versions = await cli("functions", "versions", "many", "--json");
    expect(lines(versions.stdout).map((l) => JSON.parse(l).version)).toEqual([1, 2, 3, 4, 5]);
  });
});
