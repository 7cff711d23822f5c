import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SpearError } from "../../../domain/errors.js";
import type { ArtifactRef } from "../../../domain/events/function.js";
import type { RuntimeKind } from "../../../domain/ids.js";
import type { Logger } from "../../logger.js";
import { metric } from "../../metrics/registry.js";
import { compileWasmModule } from "../runtime/wasm/compile.js";
import type { SharedBinary } from "../runtime/runtime.js";
import type { ArtifactFetcher } from "./artifact-fetcher.js";
import { downloadVerified, readVerified, writeVerified } from "./verified-download.js";

export interface BinaryCacheOptions {
  /** A folder the cache owns: artifacts are written here as `<sha256>`; leftovers from an earlier run are removed at start. */
  readonly dir: string;
  readonly fetch: ArtifactFetcher;
  /** How wasm artifacts are compiled; the wasm runtime's sandboxing compiler by default. */
  readonly compileWasm?: (bytes: Uint8Array<ArrayBuffer>) => Promise<WebAssembly.Module>;
  /** How long an unreferenced artifact stays before it is evicted (a quick redeploy reuses it). Default 0: at once. */
  readonly evictAfterMs?: number;
  readonly log?: Logger;
}

/** A reference to a shared binary, held for as long as a pool uses it; `release` (idempotent) gives it back. */
export interface BinaryLease {
  readonly binary: SharedBinary;
  release(): void | Promise<void>;
}

export interface BinaryCacheStats {
  /** Artifacts held on this node (on disk, compiled or being fetched). */
  readonly artifacts: number;
  readonly references: number;
  readonly bytes: number;
  /** Totals since start: how often an artifact was fetched and a wasm module compiled. */
  readonly fetches: number;
  readonly compiles: number;
  readonly evictions: number;
}

interface Entry {
  readonly ref: ArtifactRef;
  readonly path: string;
  refs: number;
  /** The verified bytes, when a wasm acquire fetched the artifact: compiled from memory, then dropped. */
  bytes?: Promise<Uint8Array<ArrayBuffer>>;
  readonly file: Promise<void>;
  module?: Promise<WebAssembly.Module>;
  evictTimer?: NodeJS.Timeout;
}

const ARTIFACT_FILE = /^[a-f0-9]{64}(\..*)?$/;

/**
 * SharedBinary: each artifact is fetched once, its size and sha256 verified, written once to
 * the private folder, compiled once when a wasm instance needs it, and shared by every
 * instance of every function version that names it. Acquires of the same sha256 that overlap
 * share one fetch and one compile. An artifact first fetched for wasm is verified in memory and
 * compiled from there while its file is written (a cold start waits for the later of the two,
 * not their sum); others stream to disk. The last release evicts it (file removed, module
 * dropped), after `evictAfterMs`.
 */
export class BinaryCache {
  readonly #opts: BinaryCacheOptions;
  readonly #compileWasm: (bytes: Uint8Array<ArrayBuffer>) => Promise<WebAssembly.Module>;
  readonly #entries = new Map<string, Entry>();
  #fetches = 0;
  #compiles = 0;
  #evictions = 0;

  constructor(opts: BinaryCacheOptions) {
    this.#opts = opts;
    this.#compileWasm = opts.compileWasm ?? compileWasmModule;
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(opts.dir)) {
      if (ARTIFACT_FILE.test(name)) rmSync(join(opts.dir, name), { force: true });
    }
  }

  async acquire(ref: ArtifactRef, kind: RuntimeKind): Promise<BinaryLease> {
    const held = this.#entries.get(ref.sha256);
    if (held) metric("spear_spearlet_binary_cache_hits_total").inc();
    const entry = held ?? this.#fetchEntry(ref, kind);
    if (entry.ref.size !== ref.size) {
      throw new SpearError("artifact_integrity", `artifact ${ref.sha256} is ${entry.ref.size} bytes here, not ${ref.size}`, { sha256: ref.sha256 });
    }
    entry.refs++;
    if (entry.evictTimer) {
      clearTimeout(entry.evictTimer);
      delete entry.evictTimer;
    }
    try {
      const compiling = kind === "wasm" ? (entry.module ??= this.#compile(entry)) : undefined;
      // Both settle before either failure is thrown: a release must not remove the file while it is still being written.
      const [file, compiled] = await Promise.allSettled([entry.file, compiling]);
      if (file.status === "rejected") throw file.reason;
      if (compiled.status === "rejected") throw compiled.reason;
      const module = compiled.value;
      const binary: SharedBinary = { sha256: ref.sha256, size: ref.size, path: entry.path, ...(module ? { module } : {}) };
      let released = false;
      return {
        binary,
        release: () => {
          if (released) return;
          released = true;
          this.#release(entry);
        },
      };
    } catch (e) {
      this.#release(entry);
      throw e;
    }
  }

  stats(): BinaryCacheStats {
    let references = 0;
    let bytes = 0;
    for (const e of this.#entries.values()) {
      references += e.refs;
      bytes += e.ref.size;
    }
    return { artifacts: this.#entries.size, references, bytes, fetches: this.#fetches, compiles: this.#compiles, evictions: this.#evictions };
  }

  /** Evicts every artifact now, referenced or not (the node is stopping). */
  close(): void {
    for (const e of [...this.#entries.values()]) this.#evict(e);
  }

  #fetchEntry(ref: ArtifactRef, kind: RuntimeKind): Entry {
    const path = join(this.#opts.dir, ref.sha256);
    this.#fetches++;
    metric("spear_spearlet_binary_fetches_total").inc();
    const chunks = this.#opts.fetch(ref);
    const bytes = kind === "wasm" ? chunks.then((c) => readVerified(c, ref)) : undefined;
    const file = bytes ? bytes.then((b) => writeVerified(b, path)) : chunks.then((c) => downloadVerified(c, ref, path));
    // An entry whose fetch failed is forgotten at once, so the next acquire fetches again.
    file.catch(() => {
      if (this.#entries.get(ref.sha256) === entry) this.#entries.delete(ref.sha256);
    });
    const entry: Entry = { ref, path, refs: 0, file, ...(bytes ? { bytes } : {}) };
    this.#entries.set(ref.sha256, entry);
    return entry;
  }

  async #compile(entry: Entry): Promise<WebAssembly.Module> {
    this.#compiles++;
    metric("spear_spearlet_binary_compiles_total").inc();
    const bytes = entry.bytes ? await entry.bytes : await entry.file.then(() => readFile(entry.path));
    delete entry.bytes;
    const module = await this.#compileWasm(bytes);
    this.#opts.log?.debug({ sha256: entry.ref.sha256, size: entry.ref.size }, "wasm module compiled");
    return module;
  }

  #release(entry: Entry): void {
    entry.refs--;
    if (entry.refs > 0) return;
    const wait = this.#opts.evictAfterMs ?? 0;
    if (wait <= 0) this.#evict(entry);
    else entry.evictTimer = setTimeout(() => this.#evict(entry), wait);
  }

  #evict(entry: Entry): void {
    if (entry.evictTimer) clearTimeout(entry.evictTimer);
    if (this.#entries.get(entry.ref.sha256) !== entry) return;
    this.#entries.delete(entry.ref.sha256);
    delete entry.module;
    rmSync(entry.path, { force: true });
    this.#evictions++;
    metric("spear_spearlet_binary_evictions_total").inc();
    this.#opts.log?.debug({ sha256: entry.ref.sha256 }, "artifact evicted");
  }
}
