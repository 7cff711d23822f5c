import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import { BinaryCache } from "../../../services/spearlet/binaries/binary-cache.js";
import { eventually } from "../../support/nats.js";
import { exampleWasm, memoryFetcher, refOf, removeTempDirs, tempDir } from "./wasm-fixtures.js";

const echo = exampleWasm("echo");
const wordcount = exampleWasm("wordcount");

function cacheWith(artifacts: Uint8Array[], evictAfterMs?: number) {
  const f = memoryFetcher(artifacts);
  const dir = tempDir("cache");
  return { cache: new BinaryCache({ dir, fetch: f.fetch, ...(evictAfterMs ? { evictAfterMs } : {}) }), fetches: f.fetches, dir };
}

describe("binary cache (SharedBinary)", () => {
  afterAll(removeTempDirs);

  it("fetches, verifies, writes and compiles once for overlapping acquires", async () => {
    const { cache, fetches, dir } = cacheWith([echo]);
    const ref = refOf(echo);
    const leases = await Promise.all(Array.from({ length: 5 }, () => cache.acquire(ref, "wasm")));
    expect(fetches.get(ref.sha256)).toBe(1);
    expect(cache.stats()).toMatchObject({ artifacts: 1, references: 5, bytes: echo.length, fetches: 1, compiles: 1 });
    expect(new Set(leases.map((l) => l.binary.module)).size).toBe(1);
    const path = leases[0]!.binary.path;
    expect(path).toBe(join(dir, ref.sha256));
    expect(readFileSync(path)).toEqual(Buffer.from(echo));
    expect(statSync(path).mode & 0o777).toBe(0o500);
    for (const l of leases) l.release();
  });

  it("refuses bytes whose sha256 does not match, keeps nothing, and fetches again next time", async () => {
    const dir = tempDir("cache");
    const good = refOf(echo);
    // The fetcher serves echo's bytes under a ref naming another digest of the same size.
    const forged = { sha256: good.sha256.replace(/^./, (c) => (c === "0" ? "1" : "0")), size: echo.length };
    const f = memoryFetcher([echo]);
    const lying = new BinaryCache({ dir, fetch: (ref) => f.fetch({ ...ref, sha256: good.sha256 }) });
    const err = await lying.acquire(forged, "wasm").catch((e: unknown) => e);
    expect(isSpearError(err, "artifact_integrity")).toBe(true);
    expect(String(err)).toContain(`sha256 ${good.sha256}`);
    expect(readdirSync(dir)).toEqual([]);
    expect(lying.stats()).toMatchObject({ artifacts: 0, references: 0 });
    await expect(lying.acquire(forged, "wasm")).rejects.toSatisfy((e: unknown) => isSpearError(e, "artifact_integrity"));
    expect(f.fetches.get(good.sha256)).toBe(2);
  });

  it("stops reading an artifact longer than its declared size, into a file or into memory", async () => {
    for (const kind of ["process", "wasm"] as const) {
      const { cache, dir } = cacheWith([wordcount]);
      const ref = refOf(wordcount);
      const err = await cache.acquire({ ...ref, size: 100 }, kind).catch((e: unknown) => e);
      expect(isSpearError(err, "artifact_integrity")).toBe(true);
      expect(String(err)).toMatch(/larger than its declared 100 bytes/);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it("compiles an artifact first fetched for a process from its file, without fetching it again", async () => {
    const { cache, fetches } = cacheWith([echo]);
    const ref = refOf(echo);
    const asFile = await cache.acquire(ref, "process");
    const asWasm = await cache.acquire(ref, "wasm");
    expect(asWasm.binary.module).toBeInstanceOf(WebAssembly.Module);
    expect(asWasm.binary.path).toBe(asFile.binary.path);
    expect(fetches.get(ref.sha256)).toBe(1);
    expect(cache.stats()).toMatchObject({ fetches: 1, compiles: 1 });
    asFile.release();
    asWasm.release();
  });

  it("refuses to compile bytes that are not WebAssembly, but serves them as a file to other runtimes", async () => {
    const script = new TextEncoder().encode("#!/bin/sh\necho '{}'\n");
    const { cache } = cacheWith([script]);
    const ref = refOf(script);
    const err = await cache.acquire(ref, "wasm").catch((e: unknown) => e);
    expect(isSpearError(err, "artifact_invalid")).toBe(true);
    const lease = await cache.acquire(ref, "process");
    expect(lease.binary.module).toBeUndefined();
    expect(readFileSync(lease.binary.path, "utf8")).toContain("echo '{}'");
    lease.release();
  });

  it("evicts an artifact when its last reference is released (file removed, module dropped)", async () => {
    const { cache, fetches } = cacheWith([echo]);
    const ref = refOf(echo);
    const a = await cache.acquire(ref, "wasm");
    const b = await cache.acquire(ref, "wasm");
    a.release();
    a.release(); // idempotent: still one reference left
    expect(cache.stats()).toMatchObject({ artifacts: 1, references: 1, evictions: 0 });
    expect(existsSync(b.binary.path)).toBe(true);
    b.release();
    expect(cache.stats()).toMatchObject({ artifacts: 0, references: 0, evictions: 1 });
    expect(existsSync(b.binary.path)).toBe(false);
    const again = await cache.acquire(ref, "wasm");
    expect(fetches.get(ref.sha256)).toBe(2);
    expect(cache.stats().compiles).toBe(2);
    again.release();
  });

  it("keeps an unreferenced artifact for the grace period, and reuses it when acquired within it", async () => {
    const { cache, fetches } = cacheWith([echo], 300);
    const ref = refOf(echo);
    (await cache.acquire(ref, "wasm")).release();
    const back = await cache.acquire(ref, "wasm");
    expect(fetches.get(ref.sha256)).toBe(1);
    expect(cache.stats()).toMatchObject({ compiles: 1, evictions: 0 });
    back.release();
    expect(existsSync(back.binary.path)).toBe(true);
    await eventually(() => (cache.stats().artifacts === 0 ? true : undefined), 5_000);
    expect(existsSync(back.binary.path)).toBe(false);
  });

  it("passes a fetch failure to every waiting acquire and tries again on the next one", async () => {
    const ref = refOf(echo);
    let attempts = 0;
    const cache = new BinaryCache({
      dir: tempDir("cache"),
      fetch: async () => {
        attempts++;
        await new Promise((r) => setTimeout(r, 20));
        if (attempts === 1) throw new Error("store unavailable");
        return (async function* () {
          yield echo;
        })();
      },
    });
    const results = await Promise.allSettled([cache.acquire(ref, "wasm"), cache.acquire(ref, "wasm")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(attempts).toBe(1);
    const lease = await cache.acquire(ref, "wasm");
    expect(attempts).toBe(2);
    lease.release();
  });

  it("clears artifacts left in its folder by an earlier run", () => {
    const dir = tempDir("cache");
    const stale = join(dir, refOf(echo).sha256);
    writeFileSync(stale, echo);
    writeFileSync(join(dir, "keep.txt"), "not an artifact");
    new BinaryCache({ dir, fetch: memoryFetcher([]).fetch });
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
  });
});
