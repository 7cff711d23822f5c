import { Objm } from "@nats-io/obj";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import type { ArtifactFetcher } from "../../../services/spearlet/binaries/artifact-fetcher.js";
import { BinaryCache } from "../../../services/spearlet/binaries/binary-cache.js";
import { objectStoreFetcher } from "../../../services/spearlet/binaries/object-store-fetcher.js";
import { WasmRuntime } from "../../../services/spearlet/runtime/wasm/wasm-runtime.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";
import { call, exampleWasm, refOf, removeTempDirs, tempDir, wasmSpec } from "./wasm-fixtures.js";

const BUCKET = "spear_artifacts";

describe("object store fetcher", () => {
  const servers = useServers({ nats: true });
  let nats: Nats;
  const echo = exampleWasm("echo");
  // Several object store chunks (128 KiB each), to read a stream rather than one message.
  const large = new Uint8Array(randomBytes(700_000));

  beforeAll(async () => {
    nats = await connectTest(servers.nats.url);
    const os = await new Objm(nats.js).create(BUCKET);
    for (const bytes of [echo, large]) await os.putBlob({ name: refOf(bytes).sha256 }, bytes);
  });
  afterAll(async () => {
    removeTempDirs();
    await nats?.nc.close();
  });

  /** The real fetcher, with a count of how often the cache called it. */
  function counted(bucket = BUCKET): { fetch: ArtifactFetcher; calls: () => number } {
    const inner = objectStoreFetcher(nats.js, bucket);
    let n = 0;
    return {
      fetch: (ref) => {
        n++;
        return inner(ref);
      },
      calls: () => n,
    };
  }

  it("fetches an artifact once for concurrent acquires; every instance runs the one module", async () => {
    const f = counted();
    const cache = new BinaryCache({ dir: tempDir("os-cache"), fetch: f.fetch });
    const ref = refOf(echo);
    const leases = await Promise.all(Array.from({ length: 6 }, () => cache.acquire(ref, "wasm")));
    expect(f.calls()).toBe(1);
    expect(cache.stats()).toMatchObject({ artifacts: 1, references: 6, fetches: 1, compiles: 1 });
    const runtime = new WasmRuntime();
    const instances = await Promise.all(
      leases.slice(0, 2).map((l, i) => runtime.createInstance({ instanceId: `os-${i}`, function: "echo", version: i + 1, spec: wasmSpec(ref), binary: l.binary })),
    );
    const outs = await Promise.all(instances.map((inst, i) => call(inst, { via: "object store", i })));
    expect(outs).toMatchObject([
      { ok: true, output: { via: "object store", i: 0 } },
      { ok: true, output: { via: "object store", i: 1 } },
    ]);
    await Promise.all(instances.map((i) => i.terminate()));
    for (const l of leases) l.release();
    expect(cache.stats().artifacts).toBe(0);
  });

  it("streams a multi-chunk artifact to disk and verifies it", async () => {
    const f = counted();
    const cache = new BinaryCache({ dir: tempDir("os-cache"), fetch: f.fetch });
    const lease = await cache.acquire(refOf(large), "process");
    expect(readFileSync(lease.binary.path).equals(Buffer.from(large))).toBe(true);
    lease.release();
  });

  it("reports a missing artifact or bucket as artifact_not_found", async () => {
    const cache = new BinaryCache({ dir: tempDir("os-cache"), fetch: counted().fetch });
    const missing = refOf(new TextEncoder().encode("never uploaded"));
    const err = await cache.acquire(missing, "wasm").catch((e: unknown) => e);
    expect(isSpearError(err, "artifact_not_found")).toBe(true);
    expect(String(err)).toContain(missing.sha256);

    const noBucket = new BinaryCache({ dir: tempDir("os-cache"), fetch: counted("no_such_bucket").fetch });
    const err2 = await noBucket.acquire(refOf(echo), "wasm").catch((e: unknown) => e);
    expect(isSpearError(err2, "artifact_not_found")).toBe(true);
    expect(String(err2)).toMatch(/bucket "no_such_bucket" cannot be opened/);
  });
});
