import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionSpec, type ArtifactRef } from "../../../domain/events/function.js";
import { watToWasm } from "../../../examples/wat-to-wasm.js";
import type { ArtifactFetcher } from "../../../services/spearlet/binaries/artifact-fetcher.js";
import { BinaryCache } from "../../../services/spearlet/binaries/binary-cache.js";
import type { InvokeOutcome } from "../../../services/spearlet/runtime/runtime.js";
import type { WasmInstance } from "../../../services/spearlet/runtime/wasm/wasm-instance.js";
import { WasmRuntime } from "../../../services/spearlet/runtime/wasm/wasm-runtime.js";

const root = join(import.meta.dirname, "..", "..", "..");

export const exampleWasm = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(root, "examples", name, "build", `${name}.wasm`)));

export const refOf = (bytes: Uint8Array): ArtifactRef => ({ sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length });

/** Artifacts served from memory through the fetcher interface, counting fetches per sha256. */
export function memoryFetcher(artifacts: readonly Uint8Array[]): { fetch: ArtifactFetcher; fetches: Map<string, number> } {
  const bySha = new Map(artifacts.map((a) => [refOf(a).sha256, a]));
  const fetches = new Map<string, number>();
  const fetch: ArtifactFetcher = async (ref) => {
    fetches.set(ref.sha256, (fetches.get(ref.sha256) ?? 0) + 1);
    const bytes = bySha.get(ref.sha256);
    if (!bytes) throw new Error(`no artifact ${ref.sha256}`);
    await new Promise((r) => setTimeout(r, 20)); // overlapping acquires really overlap
    return (async function* () {
      for (let at = 0; at < bytes.length; at += 1024) yield bytes.subarray(at, at + 1024);
    })();
  };
  return { fetch, fetches };
}

const made: string[] = [];
export function tempDir(what: string): string {
  const dir = mkdtempSync(join(tmpdir(), `spear-${what}-`));
  made.push(dir);
  return dir;
}
/** Removes every folder `tempDir` made in this test file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

type SpecInput = Partial<Omit<FunctionSpec, "limits" | "grants">> & {
  limits?: Partial<FunctionSpec["limits"]>;
  grants?: Partial<FunctionSpec["grants"]>;
};

export const wasmSpec = (ref: ArtifactRef, o: SpecInput = {}): FunctionSpec =>
  FunctionSpec.parse({
    ...o,
    runtime: "wasm",
    artifact: ref,
    limits: { timeoutMs: 5_000, memoryMb: 16, maxConcurrency: 4, ...o.limits },
    grants: { env: false, preopens: {}, ...o.grants },
  });

/** A node's wasm side as the agent wires it: a binary cache feeding the runtime. */
export class WasmHarness {
  readonly runtime = new WasmRuntime();
  readonly cache: BinaryCache;
  readonly fetches: Map<string, number>;
  readonly #instances: WasmInstance[] = [];
  readonly #releases: (() => void)[] = [];
  #next = 0;

  constructor(artifacts: readonly Uint8Array[]) {
    const f = memoryFetcher(artifacts);
    this.fetches = f.fetches;
    this.cache = new BinaryCache({ dir: tempDir("binaries"), fetch: f.fetch });
  }

  async instance(bytes: Uint8Array, o: SpecInput = {}, fn = "fn", version = 1): Promise<WasmInstance> {
    const ref = refOf(bytes);
    const lease = await this.cache.acquire(ref, "wasm");
    this.#releases.push(() => lease.release());
    const inst = await this.runtime.createInstance({ instanceId: `inst-${++this.#next}`, function: fn, version, spec: wasmSpec(ref, o), binary: lease.binary });
    this.#instances.push(inst);
    return inst;
  }

  async close(): Promise<void> {
    await Promise.all(this.#instances.map((i) => i.terminate()));
    for (const r of this.#releases) r();
    removeTempDirs();
  }
}

let calls = 0;
export const call = (inst: WasmInstance, input: unknown, timeoutMs = 5_000): Promise<InvokeOutcome> =>
  inst.invoke(input, { invocationId: `inv-${++calls}`, timeoutMs });

export const wasm = (source: string) => watToWasm(source, "fixture.wat");

const WASI_IMPORTS = `
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))`;

/** Writes `len` bytes at `ptr` to `fd` (one fd_write; the host writes whole iovecs). Uses bytes 0-11. */
const WRITE = `
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))`;

const textAt = (at: number, text: string) => `(data (i32.const ${at}) "${text.replace(/"/g, '\\"')}")`;
const len = (text: string) => new TextEncoder().encode(text).length;

export const LOOP_FOREVER = `(module (memory 1) (func (export "_start") (loop $spin (br $spin))))`;

/** Sleeps 60 s in poll_oneoff (a monotonic clock subscription), then writes {}. */
export const SLEEP_LONG = `(module ${WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory 1) ${WRITE} ${textAt(512, "{}")}
  (func (export "_start")
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 60000000000))
    (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 192)))
    (call $write (i32.const 1) (i32.const 512) (i32.const 2))))`;

/** Grows memory a page at a time until the engine refuses, then traps, as allocators do. */
export const GROW_UNTIL_REFUSED = `(module
  (memory 1)
  (func (export "_start")
    (loop $more (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))`;

/** Asks for 1000 pages (62.5 MiB) at once; writes {"grown":true} when given them. */
export const GROW_AT_ONCE = `(module ${WASI_IMPORTS}
  (memory 1) ${WRITE} ${textAt(512, '{"grown":true}')}
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 1000)) (i32.const -1)) (then unreachable))
    (call $write (i32.const 1) (i32.const 512) (i32.const ${len('{"grown":true}')}))))`;

/** Needs 4 MiB of memory before it runs. */
export const BIG_AT_START = `(module (memory 64) (func (export "_start")))`;

/**
 * Opens `path` in the first preopened directory (fd 3) for reading and copies it to stdout;
 * exits with the WASI errno when the open fails.
 */
export const openFile = (path: string) => `(module ${WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory 1) ${WRITE} ${textAt(256, path)}
  (func (export "_start")
    (local $err i32)
    (local.set $err (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const ${len(path)})
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
    (if (local.get $err) (then (call $proc_exit (local.get $err))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (drop (call $fd_read (i32.load (i32.const 16)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 8)))))`;

/** Creates `out.json` in the first preopened directory with {"written":true}, then writes {} to stdout. */
export const WRITE_FILE = `(module ${WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory 1) ${WRITE} ${textAt(256, "out.json")} ${textAt(512, '{"written":true}')} ${textAt(600, "{}")}
  (func (export "_start")
    (local $err i32)
    (local.set $err (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 8)
      (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 16)))
    (if (local.get $err) (then (call $proc_exit (local.get $err))))
    (call $write (i32.load (i32.const 16)) (i32.const 512) (i32.const ${len('{"written":true}')}))
    (call $write (i32.const 1) (i32.const 600) (i32.const 2))))`;

/** Writes its environment as a JSON array of "KEY=value" strings (values without quotes). */
export const PRINT_ENV = `(module ${WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ (param i32 i32) (result i32)))
  (memory 1) ${WRITE} ${textAt(32, '[",]')}
  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $end (loop $next
      (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func (export "_start")
    (local $i i32) (local $s i32)
    (drop (call $sizes (i32.const 16) (i32.const 20)))
    (drop (call $environ (i32.const 1024) (i32.const 4096)))
    (call $write (i32.const 1) (i32.const 32) (i32.const 1))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 16))))
      (if (local.get $i) (then (call $write (i32.const 1) (i32.const 34) (i32.const 1))))
      (local.set $s (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
      (call $write (i32.const 1) (i32.const 33) (i32.const 1))
      (call $write (i32.const 1) (local.get $s) (call $strlen (local.get $s)))
      (call $write (i32.const 1) (i32.const 33) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (call $write (i32.const 1) (i32.const 35) (i32.const 1))))`;

/** Tries to send on descriptor 3 as if it were a socket; exits with the errno. */
export const SEND_ON_SOCKET = `(module ${WASI_IMPORTS}
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "_start")
    (call $proc_exit (call $send (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 16)))))`;

/** A reactor: `_initialize` sets a counter to 0, `handle` adds one and writes {"n":N} (N < 10). */
export const COUNTER_REACTOR = `(module ${WASI_IMPORTS}
  (memory 1) ${WRITE} ${textAt(512, '{"n":0}')}
  (global $n (mut i32) (i32.const 100))
  (func (export "_initialize") (global.set $n (i32.const 0)))
  (func (export "handle")
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store8 (i32.const 517) (i32.add (i32.const 48) (global.get $n)))
    (call $write (i32.const 1) (i32.const 512) (i32.const 7))))`;

/** A command with state in a global: writes {"n":N} after adding one; always 1 on a fresh instance. */
export const COUNTER_COMMAND = COUNTER_REACTOR.replace('(func (export "_initialize") (global.set $n (i32.const 0)))', "").replace(
  '(global $n (mut i32) (i32.const 100))',
  "(global $n (mut i32) (i32.const 0))",
).replace('(export "handle")', '(export "_start")');

export const NOT_JSON = `(module ${WASI_IMPORTS}
  (memory 1) ${WRITE} ${textAt(512, "hello")}
  (func (export "_start") (call $write (i32.const 1) (i32.const 512) (i32.const 5))))`;

export const FAIL_WITH_STDERR = `(module ${WASI_IMPORTS}
  (memory 1) ${WRITE} ${textAt(512, "boom: bad input")}
  (func (export "_start")
    (call $write (i32.const 2) (i32.const 512) (i32.const ${len("boom: bad input")}))
    (call $proc_exit (i32.const 3))))`;

export const UNKNOWN_IMPORT = `(module
  (import "env" "launch_missiles" (func $launch))
  (memory 1)
  (func (export "_start") (call $launch)))`;
