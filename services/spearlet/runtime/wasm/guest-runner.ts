import { readSandboxInfo, type SandboxInfo } from "./binary/sandbox-module.js";
import { WasiExit, WasiHost } from "./wasi/wasi-host.js";
import { WASM_PAGE, type InvokeReply, type RunEnd, type WorkerInit, type WorkerStarted } from "./worker-protocol.js";

const WASI = "wasi_snapshot_preview1";
const MAX_PAGES = 65_536;

class StartFailure extends Error {
  constructor(
    readonly reason: Extract<WorkerStarted, { type: "start_failed" }>["reason"],
    message: string,
  ) {
    super(message);
  }
}

interface Live {
  readonly instance: WebAssembly.Instance;
  readonly host: WasiHost;
  readonly memory: WebAssembly.Memory | null;
}

const mib = (pages: number) => `${((pages * WASM_PAGE) / 1_048_576).toFixed(2).replace(/\.?0+$/, "")} MiB`;

function describeThrow(e: unknown): string {
  if (e instanceof WasiExit) return `proc_exit(${e.code}) before the entry ran`;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return "stack overflow";
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Runs one function's module inside a worker thread. A command module (`_start`) gets a new
 * instance, memory and WASI host for every call from the compiled module it already holds; a
 * reactor (`_initialize` + an entry export) keeps its instance between calls while they
 * succeed, and starts over after a failure.
 */
export class GuestRunner {
  readonly #init: WorkerInit;
  readonly #info: SandboxInfo;
  readonly #reactor: boolean;
  #live: Live | null = null;

  constructor(init: WorkerInit) {
    this.#init = init;
    const info = readSandboxInfo(init.module);
    if (!info) throw new StartFailure("artifact_invalid", "the module was not prepared by compileWasmModule (no spear.sandbox section)");
    this.#info = info;
    const exports = new Map(WebAssembly.Module.exports(init.module).map((e) => [e.name, e.kind]));
    this.#reactor = exports.get("_initialize") === "function";
    if (exports.get(init.entry) !== "function") throw new StartFailure("artifact_invalid", `the module exports no function "${init.entry}"`);
    const hostCalls = new WasiHost({ args: [], env: [], preopens: [], maxOutputBytes: 0, maxStderrBytes: 0 }).imports();
    for (const imp of WebAssembly.Module.imports(init.module)) {
      const isMemory = imp.kind === "memory" && info.memory && imp.module === info.memory.module && imp.name === info.memory.name;
      const isWasi = imp.kind === "function" && imp.module === WASI && Object.hasOwn(hostCalls, imp.name);
      if (!isMemory && !isWasi) throw new StartFailure("artifact_invalid", `unsupported import ${imp.module}.${imp.name} (${imp.kind}); only WASI preview 1 is provided`);
    }
    const cap = this.#memoryCap();
    if (info.memory && info.memory.min > cap) {
      throw new StartFailure(
        "memory_limit_exceeded",
        `the module needs ${mib(info.memory.min)} of memory at start, more than its limit of ${mib(cap)}`,
      );
    }
    if (this.#reactor && init.reuseInstance) {
      const made = this.#instantiate();
      if (typeof made === "string") throw new StartFailure("function_error", made);
      this.#live = made;
    }
  }

  static start(init: WorkerInit): { runner: GuestRunner | null; started: WorkerStarted } {
    try {
      const runner = new GuestRunner(init);
      return { runner, started: { type: "ready", shape: runner.#reactor ? "reactor" : "command" } };
    } catch (e) {
      if (e instanceof StartFailure) return { runner: null, started: { type: "start_failed", reason: e.reason, message: e.message } };
      return { runner: null, started: { type: "start_failed", reason: "function_error", message: describeThrow(e) } };
    }
  }

  #memoryCap(): number {
    return Math.min(this.#info.memory?.max ?? MAX_PAGES, this.#init.memoryLimitPages);
  }

  /** A fresh instance (running `_initialize` for a reactor); a message when that fails. */
  #instantiate(): Live | string {
    const host = new WasiHost({
      args: this.#init.args,
      env: this.#init.env,
      preopens: this.#init.preopens,
      maxOutputBytes: this.#init.maxOutputBytes,
      maxStderrBytes: this.#init.maxStderrBytes,
    });
    const m = this.#info.memory;
    const memory = m ? new WebAssembly.Memory({ initial: m.min, maximum: this.#memoryCap(), shared: m.shared }) : null;
    host.bindMemory(memory);
    const imports: WebAssembly.Imports = { [WASI]: host.imports() };
    if (m && memory) imports[m.module] = { ...imports[m.module], [m.name]: memory };
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(this.#init.module, imports);
    } catch (e) {
      host.dispose();
      return `instantiation failed: ${describeThrow(e)}`;
    }
    const live = { instance, host, memory };
    if (this.#reactor) {
      host.beginCall(new Uint8Array(0));
      this.#refuel(live);
      const end = this.#call(live, "_initialize");
      const io = host.endCall();
      if (end.kind !== "returned" && !(end.kind === "exited" && end.code === 0)) {
        host.dispose();
        return `_initialize failed (${end.kind === "exited" ? `exit code ${end.code}` : end.kind === "trapped" ? end.message : end.kind})${io.stderr ? `: ${io.stderr.trim()}` : ""}`;
      }
    }
    return live;
  }

  #call(live: Live, name: string): RunEnd {
    try {
      (live.instance.exports[name] as () => unknown)();
      return { kind: "returned" };
    } catch (e) {
      if (e instanceof WasiExit) return { kind: "exited", code: e.code };
      return { kind: "trapped", message: describeThrow(e) };
    }
  }

  #refusedGlobal(live: Live): WebAssembly.Global | null {
    return this.#info.growRefused ? (live.instance.exports[this.#info.growRefused] as WebAssembly.Global) : null;
  }

  #fuelGlobal(live: Live): WebAssembly.Global<"i64"> | null {
    return this.#info.fuel ? (live.instance.exports[this.#info.fuel] as WebAssembly.Global<"i64">) : null;
  }

  /** A full budget for what runs next (a warm reactor's earlier calls do not count). */
  #refuel(live: Live): void {
    const fuel = this.#fuelGlobal(live);
    if (fuel) fuel.value = BigInt(this.#init.fuel);
  }

  invoke(id: number, stdin: Uint8Array): InvokeReply {
    let live = this.#live;
    const instantiated = live === null;
    if (!live) {
      const made = this.#instantiate();
      if (typeof made === "string") {
        const io = { stdout: new Uint8Array(0), stderr: "", outputOverflowed: false, denied: null };
        return { type: "done", id, end: { kind: "link_failed", message: made }, io, growRefused: false, memoryPages: 0, instantiated };
      }
      live = made;
    }
    const refused = this.#refusedGlobal(live);
    if (refused) refused.value = 0;
    this.#refuel(live);
    live.host.beginCall(stdin);
    const end = this.#call(live, this.#init.entry);
    const io = live.host.endCall();
    // The check traps with the fuel at exactly 0; see instrumentBody.
    const outOfFuel = end.kind === "trapped" && this.#fuelGlobal(live)?.value === 0n;
    const reply: InvokeReply = {
      type: "done",
      id,
      end,
      io,
      growRefused: refused?.value === 1,
      ...(outOfFuel ? { fuelExhausted: this.#init.fuel } : {}),
      memoryPages: live.memory ? live.memory.buffer.byteLength / WASM_PAGE : 0,
      instantiated,
    };
    const keep = this.#reactor && this.#init.reuseInstance && end.kind === "returned";
    if (keep) this.#live = live;
    else {
      live.host.dispose();
      this.#live = null;
    }
    return reply;
  }
}
