import { afterAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { FunctionSpec } from "../../../domain/events/function.js";
import { containerConfig } from "../../../services/spearlet/runtime/container/container-config.js";
import { ContainerRuntime } from "../../../services/spearlet/runtime/container/container-runtime.js";
import { LABEL } from "../../../services/spearlet/runtime/container/labels.js";
import type { InstanceSpec, InvokeOutcome, RuntimeInstance } from "../../../services/spearlet/runtime/runtime.js";
import { IMAGES, useDocker, type DockerEngine } from "../../support/docker.js";
import { eventually } from "../../support/nats.js";

/**
 * The container runtime against a real Docker engine (a private dockerd started for this suite
 * when none runs), with images built locally. Without an engine every test here is skipped
 * with the reason.
 */

const engine = useDocker();
const instances: RuntimeInstance[] = [];
let seq = 0;

afterAll(async () => {
  await Promise.all(instances.map((i) => i.terminate()));
}, 60_000);

const runtimeFor = (e: DockerEngine, ownerId = "ctest") => new ContainerRuntime({ ownerId, socketPath: e.socketPath, stopGraceMs: 500 });

function instanceSpec(spec: Record<string, unknown>): InstanceSpec {
  seq += 1;
  return { instanceId: `c${seq}`, function: "cfn", version: 1, spec: FunctionSpec.parse({ runtime: "container", ...spec }) };
}

async function create(runtime: ContainerRuntime, spec: Record<string, unknown>): Promise<{ instance: RuntimeInstance; id: string }> {
  const s = instanceSpec(spec);
  const instance = await runtime.createInstance(s);
  instances.push(instance);
  return { instance, id: s.instanceId };
}

const call = (i: RuntimeInstance, input: unknown, timeoutMs = 15_000) => i.invoke(input, { invocationId: `inv-${++seq}`, timeoutMs });

function expectFailure(o: InvokeOutcome, code: string): Extract<InvokeOutcome, { ok: false }> {
  if (o.ok) throw new Error(`expected ${code}, got output ${JSON.stringify(o.output)}`);
  expect(o.error.code, o.error.message).toBe(code);
  return o;
}

const containersOf = (e: DockerEngine, instanceId: string) =>
  e.docker.listContainers({ all: true, filters: { label: [`${LABEL.instance}=${instanceId}`] } });

describe("container runtime: availability", () => {
  it("says why not when no engine answers on the socket", async () => {
    const r = await new ContainerRuntime({ ownerId: "nobody", socketPath: "/tmp/spear-no-such-docker.sock", pingTimeoutMs: 500 }).available();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain("/tmp/spear-no-such-docker.sock");
  });

  it("answers ok against the engine", async (ctx) => {
    const e = engine.require(ctx);
    expect(await runtimeFor(e).available()).toEqual({ ok: true });
  });
});

describe("container runtime: warm containers (JSON lines over stdin/stdout)", () => {
  it("runs the locally built example image and returns the right output, warm across calls", async (ctx) => {
    const e = engine.require(ctx);
    const { instance, id } = await create(runtimeFor(e), { image: IMAGES.upper });
    expect(await call(instance, { name: "ada", tags: ["x", "y"], n: 1 })).toMatchObject({ ok: true, output: { name: "ADA", tags: ["X", "Y"], n: 1 } });
    expect(await call(instance, "second call")).toMatchObject({ ok: true, output: "SECOND CALL" });
    expect(await containersOf(e, id)).toHaveLength(1);
    await instance.terminate();
    expect(await containersOf(e, id)).toHaveLength(0);
  });

  it("runs with --network none, the memory and CPU limits, no capabilities and its labels", async (ctx) => {
    const e = engine.require(ctx);
    const { instance, id } = await create(runtimeFor(e), { image: IMAGES.probe, limits: { memoryMb: 64 } });
    expect(await call(instance, "netdev")).toMatchObject({ ok: true, output: ["lo"] });
    const [listed] = await containersOf(e, id);
    const info = await e.docker.getContainer(listed!.Id).inspect();
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.Config.Labels).toMatchObject({ [LABEL.owner]: "ctest", [LABEL.instance]: id, [LABEL.function]: "cfn", [LABEL.version]: "1" });
  });

  it("runs as a non-root user on a read-only root file system, with a private /tmp and open-file and file-size limits", async (ctx) => {
    const e = engine.require(ctx);
    const runtime = new ContainerRuntime({ ownerId: "ctest", socketPath: e.socketPath, stopGraceMs: 500, maxOpenFiles: 200, maxFileMb: 8 });
    const { instance, id } = await create(runtime, { image: IMAGES.probe });
    expect(await call(instance, "whoami")).toMatchObject({
      ok: true,
      output: { uid: 65534, gid: 65534, rootWritable: false, tmpWritable: true, nofile: 200, fsize: 8 * 1024 * 1024 },
    });
    const [listed] = await containersOf(e, id);
    const info = await e.docker.getContainer(listed!.Id).inspect();
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.Config.User).toBe("65534:65534");
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
  });

  it("gives the engine's network only to a function whose spec grants it", async (ctx) => {
    const e = engine.require(ctx);
    const denied = instanceSpec({ image: IMAGES.probe });
    const granted = instanceSpec({ image: IMAGES.probe, grants: { network: true } });
    const limits = { cpus: 1, pidsLimit: 16, openFiles: 64, fileMb: 1 };
    expect(containerConfig(denied, { ownerId: "ctest", limits })).toMatchObject({ NetworkDisabled: true, HostConfig: { NetworkMode: "none" } });
    expect(containerConfig(granted, { ownerId: "ctest", limits })).toMatchObject({ NetworkDisabled: false, HostConfig: { NetworkMode: "default" } });
    // This suite's private engine has no bridge, so only the denial is run for real.
    const { instance } = await create(runtimeFor(e), denied.spec);
    expect(await call(instance, "netdev")).toMatchObject({ ok: true, output: ["lo"] });
  });

  it("kills the container of a call that loops forever at its timeout, and the runtime keeps serving", async (ctx) => {
    const e = engine.require(ctx);
    const runtime = runtimeFor(e);
    const { instance, id } = await create(runtime, { image: IMAGES.probe, limits: { timeoutMs: 1_000 } });
    const o = expectFailure(await call(instance, "loop", 1_000), "timeout");
    expect(o.instanceBroken).toBe(true);
    const [listed] = await containersOf(e, id);
    await eventually(async () => ((await e.docker.getContainer(listed!.Id).inspect()).State.Running ? undefined : true), 10_000);
    expect(expectFailure(await call(instance, "after"), "instance_crashed").instanceBroken).toBe(true);
    const { instance: next } = await create(runtime, { image: IMAGES.probe });
    expect(await call(next, { still: "working" })).toMatchObject({ ok: true, output: { echo: { still: "working" } } });
  });

  it("fails with memory_limit_exceeded when the container passes its memory limit (OOM kill), and a crash is a crash", async (ctx) => {
    const e = engine.require(ctx);
    const { instance: hog } = await create(runtimeFor(e), { image: IMAGES.probe, limits: { memoryMb: 16 } });
    const o = expectFailure(await call(hog, "hog"), "memory_limit_exceeded");
    expect(o.instanceBroken).toBe(true);
    const { instance: crasher } = await create(runtimeFor(e), { image: IMAGES.probe });
    const c = expectFailure(await call(crasher, "crash"), "instance_crashed");
    expect(c.error.message).toContain("exited with code 3");
  });

  it("refuses an image the engine does not have (nothing is pulled)", async (ctx) => {
    const e = engine.require(ctx);
    await expect(runtimeFor(e).createInstance(instanceSpec({ image: "spear-no-such-image:1" }))).rejects.toSatisfy(
      (err: unknown) => isSpearError(err, "instance_start_failed") && err.message.includes("spear-no-such-image:1"),
    );
  });

  it("removes its own leftover containers at start, and only its own", async (ctx) => {
    const e = engine.require(ctx);
    const { id: mine } = await create(runtimeFor(e, "left-a"), { image: IMAGES.upper });
    const { id: theirs } = await create(runtimeFor(e, "left-b"), { image: IMAGES.upper });
    // A restarted spearlet "left-a" finds what its previous life left.
    expect(await runtimeFor(e, "left-a").removeLeftovers()).toBe(1);
    expect(await containersOf(e, mine)).toHaveLength(0);
    expect(await containersOf(e, theirs)).toHaveLength(1);
  });
});

describe("container runtime: one container per call", () => {
  it("returns the output, reports failures and timeouts, keeps serving, and removes each call's container", async (ctx) => {
    const e = engine.require(ctx);
    const { instance, id } = await create(runtimeFor(e), { image: IMAGES.probe, command: ["once"], mode: "per-call" });
    expect(await call(instance, "netdev")).toMatchObject({ ok: true, output: ["lo"] });
    expect(await call(instance, { n: 2 })).toMatchObject({ ok: true, output: { echo: { n: 2 } } });
    const failed = expectFailure(await call(instance, "fail"), "function_error");
    expect(failed.error.message).toContain("exited with code 4");
    expect(failed.error.message).toContain("failing on purpose");
    expectFailure(await call(instance, "hog"), "memory_limit_exceeded");
    const slow = expectFailure(await call(instance, "loop", 2_000), "timeout");
    expect(slow.instanceBroken).toBe(false);
    expect(await call(instance, "again")).toMatchObject({ ok: true, output: { echo: "again" } });
    expect(await containersOf(e, id)).toHaveLength(0);
  });
});
