import { ByteReader, WasmFormatError, concatBytes, encodeName, encodeU32 } from "./byte-reader.js";
import { instrumentBody } from "./instructions.js";
import {
  SectionId,
  encodeLimits,
  readLimits,
  readSections,
  sectionRank,
  vectorOf,
  vectorPayload,
  writeModule,
  type Limits,
  type Section,
} from "./sections.js";

/** Custom section in which the rewrite records what the runtime must supply. */
export const SANDBOX_SECTION = "spear.sandbox";
/** A memory the module defined becomes this import, so each instance gets a capped one. */
export const SANDBOX_MEMORY_IMPORT = { module: "spear", name: "memory" } as const;
const GROW_REFUSED_EXPORT = "__spear_grow_refused";
const FUEL_EXPORT = "__spear_fuel";
/** 2^63 - 1 as a signed LEB128: 63 one bits, then a byte whose sign bit is clear. */
const I64_MAX_SLEB = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];

export interface SandboxInfo {
  /** The module's one memory, now always imported: the runtime creates it with the limit as maximum. */
  readonly memory: (Limits & { readonly module: string; readonly name: string }) | null;
  /** Exported mutable i32 global set to 1 when a `memory.grow` was refused; null when the module never grows. */
  readonly growRefused: string | null;
  /**
   * Exported mutable i64 global: the fuel the guest may still spend (one unit per function entry
   * and loop iteration); the runtime sets it before each call and a guest that finds it at 0
   * traps. Null for a module without code.
   */
  readonly fuel: string | null;
}

interface ImportSummary {
  funcs: number;
  globals: number;
  memory: SandboxInfo["memory"];
}

function summarizeImports(payload: Uint8Array | undefined): ImportSummary {
  const s: ImportSummary = { funcs: 0, globals: 0, memory: null };
  if (!payload) return s;
  const r = new ByteReader(payload);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0x00) {
      r.u32();
      s.funcs++;
    } else if (kind === 0x01) {
      r.byte();
      readLimits(r);
    } else if (kind === 0x02) {
      if (s.memory) throw new WasmFormatError("modules with more than one memory are not supported");
      s.memory = { module, name, ...readLimits(r) };
    } else if (kind === 0x03) {
      r.byte();
      r.byte();
      s.globals++;
    } else if (kind === 0x04) {
      r.byte();
      r.u32();
    } else throw new WasmFormatError(`unknown import kind ${kind}`);
  }
  return s;
}

function definedMemory(payload: Uint8Array | undefined): Limits | null {
  if (!payload) return null;
  const r = new ByteReader(payload);
  const n = r.u32();
  if (n === 0) return null;
  if (n > 1) throw new WasmFormatError("modules with more than one memory are not supported");
  return readLimits(r);
}

/** (param i32) (result i32): grows memory 0 and records a refusal in global `refusedGlobal`. */
function growWrapperBody(refusedGlobal: number): Uint8Array {
  const code = [
    0x01, 0x01, 0x7f, // one local i32
    0x20, 0x00, // local.get 0
    0x40, 0x00, // memory.grow 0
    0x22, 0x01, // local.tee 1
    0x41, 0x7f, // i32.const -1
    0x46, // i32.eq
    0x04, 0x40, // if
    0x41, 0x01, // i32.const 1
    0x24, ...encodeU32(refusedGlobal), // global.set
    0x0b, // end
    0x20, 0x01, // local.get 1
    0x0b, // end
  ];
  return Uint8Array.from([...encodeU32(code.length), ...code]);
}

/** Instruments every function body (see `instrumentBody`); how many `memory.grow` now call the wrapper. */
function instrumentCode(payload: Uint8Array, growCall: number | null, fuelGlobal: number): { bodies: Uint8Array[]; grows: number } {
  const r = new ByteReader(payload);
  const n = r.u32();
  const bodies: Uint8Array[] = [];
  let grows = 0;
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    const out = instrumentBody(payload.subarray(start, start + size), { growCall, fuelGlobal });
    grows += out.grows;
    bodies.push(Uint8Array.from(encodeU32(out.body.length)), out.body);
  }
  return { bodies, grows };
}

function exportNames(payload: Uint8Array | undefined): Set<string> {
  const names = new Set<string>();
  if (!payload) return names;
  const r = new ByteReader(payload);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    names.add(r.name());
    r.byte();
    r.u32();
  }
  return names;
}

/** An export name of ours, made unique if the module already exports that name (and taken). */
function uniqueExportName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function isSandboxSection(s: Section): boolean {
  if (s.id !== SectionId.custom) return false;
  try {
    return new ByteReader(s.payload).name() === SANDBOX_SECTION;
  } catch {
    return false;
  }
}

/**
 * Makes a valid module safe to run under a memory limit without recompiling it per limit:
 * - a memory the module defines becomes an import (`spear.memory`, same limits), so every
 *   instance is given a `WebAssembly.Memory` whose maximum is the function's limit; growth past
 *   it is refused by the engine itself;
 * - every `memory.grow` calls an appended wrapper that sets an exported global when the engine
 *   refuses, so a failure after a refusal is reported as `memory_limit_exceeded` even when the
 *   module's allocator asked for far more than it had;
 * - every function entry and loop iteration spends one unit of an exported fuel global and
 *   traps when none is left: Node's engine has no fuel of its own, and this bounds the guest's
 *   work whatever the node's load (the budget is set per call, so one compiled module serves
 *   every version's bound);
 * - a `spear.sandbox` custom section records the memory's limits and the globals' names, and
 *   travels with the compiled `WebAssembly.Module` to the worker threads.
 * Index spaces only grow at their ends, so no existing index, export or name changes.
 */
export function sandboxModule(bytes: Uint8Array): { bytes: Uint8Array<ArrayBuffer>; info: SandboxInfo } {
  const sections = readSections(bytes).filter((s) => !isSandboxSection(s));
  const byId = new Map<number, Section>();
  for (const s of sections) {
    if (s.id === SectionId.custom) continue;
    if (byId.has(s.id)) throw new WasmFormatError(`section ${s.id} appears twice`);
    byId.set(s.id, s);
  }
  const payload = (id: number) => byId.get(id)?.payload;
  const imports = summarizeImports(payload(SectionId.import));
  const defined = definedMemory(payload(SectionId.memory));
  if (defined && imports.memory) throw new WasmFormatError("modules with more than one memory are not supported");

  const replaced = new Map<number, Uint8Array>();
  const drop = new Set<number>();
  let memory = imports.memory;
  if (defined) {
    memory = { ...SANDBOX_MEMORY_IMPORT, ...defined };
    const imp = vectorOf(payload(SectionId.import));
    const entry = [...encodeName(memory.module), ...encodeName(memory.name), 0x02, ...encodeLimits(defined)];
    replaced.set(SectionId.import, vectorPayload(imp.count + 1, [imp.entries, entry]));
    drop.add(SectionId.memory);
  }

  let growRefused: string | null = null;
  let fuel: string | null = null;
  const code = payload(SectionId.code);
  if (code) {
    const types = vectorOf(payload(SectionId.type));
    const funcs = vectorOf(payload(SectionId.function));
    const globals = vectorOf(payload(SectionId.global));
    const exports = vectorOf(payload(SectionId.export));
    const taken = exportNames(payload(SectionId.export));
    const fuelGlobal = imports.globals + globals.count;
    const refusedGlobal = fuelGlobal + 1;
    const wrapperIndex = imports.funcs + funcs.count;
    const out = instrumentCode(code, memory ? wrapperIndex : null, fuelGlobal);
    fuel = uniqueExportName(FUEL_EXPORT, taken);
    // A start function runs before the runtime can set the budget: it gets all there is (the
    // wall-clock limit still bounds it).
    const newGlobals: number[][] = [[0x7e, 0x01, 0x42, ...I64_MAX_SLEB, 0x0b]];
    const newExports: number[][] = [[...encodeName(fuel), 0x03, ...encodeU32(fuelGlobal)]];
    const bodies = out.bodies;
    let funcCount = funcs.count;
    if (out.grows > 0) {
      growRefused = uniqueExportName(GROW_REFUSED_EXPORT, taken);
      newGlobals.push([0x7f, 0x01, 0x41, 0x00, 0x0b]);
      newExports.push([...encodeName(growRefused), 0x03, ...encodeU32(refusedGlobal)]);
      replaced.set(SectionId.type, vectorPayload(types.count + 1, [types.entries, [0x60, 0x01, 0x7f, 0x01, 0x7f]]));
      replaced.set(SectionId.function, vectorPayload(funcs.count + 1, [funcs.entries, encodeU32(types.count)]));
      bodies.push(growWrapperBody(refusedGlobal));
      funcCount++;
    }
    replaced.set(SectionId.global, vectorPayload(globals.count + newGlobals.length, [globals.entries, ...newGlobals]));
    replaced.set(SectionId.export, vectorPayload(exports.count + newExports.length, [exports.entries, ...newExports]));
    replaced.set(SectionId.code, vectorPayload(funcCount, bodies));
  }

  const info: SandboxInfo = { memory, growRefused, fuel };
  const created = [...replaced.keys()].filter((id) => !byId.has(id)).sort((a, b) => sectionRank(a) - sectionRank(b));
  const out: Section[] = [];
  const flushCreatedBefore = (rank: number) => {
    while (created.length > 0 && sectionRank(created[0]!) < rank) {
      const id = created.shift()!;
      out.push({ id, payload: replaced.get(id)! });
    }
  };
  for (const s of sections) {
    if (s.id !== SectionId.custom) flushCreatedBefore(sectionRank(s.id));
    if (drop.has(s.id)) continue;
    out.push(s.id === SectionId.custom ? s : { id: s.id, payload: replaced.get(s.id) ?? s.payload });
  }
  flushCreatedBefore(Number.POSITIVE_INFINITY);
  out.push({
    id: SectionId.custom,
    payload: concatBytes([encodeName(SANDBOX_SECTION), new TextEncoder().encode(JSON.stringify(info))]),
  });
  return { bytes: writeModule(out), info };
}

/** The record `sandboxModule` left in a compiled module; null for a module that did not go through it. */
export function readSandboxInfo(module: WebAssembly.Module): SandboxInfo | null {
  const found = WebAssembly.Module.customSections(module, SANDBOX_SECTION);
  const last = found.at(-1);
  return last ? (JSON.parse(new TextDecoder().decode(last)) as SandboxInfo) : null;
}
