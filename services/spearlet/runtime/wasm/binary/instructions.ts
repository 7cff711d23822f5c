import { ByteReader, WasmFormatError, concatBytes, encodeU32 } from "./byte-reader.js";

const MEMORY_GROW = 0x40;
const CALL = 0x10;
const LOOP = 0x03;
const IF = 0x04;
const END = 0x0b;
const UNREACHABLE = 0x00;
const EMPTY_BLOCK = 0x40;
const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const I64_CONST = 0x42;
const I64_EQZ = 0x50;
const I64_SUB = 0x7d;

/** Value types that carry a heap type after them (typed function references). */
const REF_WITH_HEAP_TYPE = new Set([0x63, 0x64]);

function skipValType(r: ByteReader): void {
  if (REF_WITH_HEAP_TYPE.has(r.byte())) r.skipLeb();
}

/** A block type is empty (0x40), one value type, or a type index (s33); all read as one LEB. */
function skipBlockType(r: ByteReader): void {
  const first = r.bytes[r.pos];
  if (first !== undefined && REF_WITH_HEAP_TYPE.has(first)) skipValType(r);
  else r.skipLeb();
}

/** align (bit 6 set = a memory index follows), then the offset. */
function skipMemArg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb();
}

function skipPrefixedFC(r: ByteReader): void {
  const sub = r.u32();
  if (sub <= 7) return; // saturating truncations
  if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
    r.u32();
    r.u32();
    return;
  }
  if (sub <= 17) {
    r.u32();
    return;
  }
  throw new WasmFormatError(`unsupported instruction 0xfc ${sub}`);
}

function skipPrefixedFD(r: ByteReader): void {
  const sub = r.u32();
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) skipMemArg(r);
  else if (sub === 0x0c || sub === 0x0d) r.skip(16);
  else if (sub >= 0x15 && sub <= 0x22) r.skip(1);
  else if (sub >= 0x54 && sub <= 0x5b) {
    skipMemArg(r);
    r.skip(1);
  }
}

function skipPrefixedFE(r: ByteReader): void {
  const sub = r.u32();
  if (sub === 0x03) r.skip(1);
  else skipMemArg(r);
}

/**
 * Steps over the immediates of one instruction whose opcode was just read. Covers what Node
 * 20's engine validates: MVP, sign extension, saturating truncation, bulk memory, reference
 * types, SIMD (with relaxed SIMD), threads, tail calls and exception handling.
 */
function skipImmediates(r: ByteReader, op: number): void {
  if (op >= 0x45 && op <= 0xc4) return; // numeric
  if (op >= 0x28 && op <= 0x3e) return skipMemArg(r);
  if (op >= 0x20 && op <= 0x26) return void r.u32();
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x19: case 0x1a: case 0x1b: case 0xd1:
      return;
    case 0x02: case 0x03: case 0x04: case 0x06:
      return skipBlockType(r);
    case 0x07: case 0x08: case 0x09: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x18: case 0xd2:
    case 0x3f: case 0x40:
      return void r.u32();
    case 0x11: case 0x13:
      r.u32();
      return void r.u32();
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return;
    }
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
      return;
    }
    case 0x41: case 0x42: case 0xd0:
      return r.skipLeb();
    case 0x43:
      return r.skip(4);
    case 0x44:
      return r.skip(8);
    case 0xfc:
      return skipPrefixedFC(r);
    case 0xfd:
      return skipPrefixedFD(r);
    case 0xfe:
      return skipPrefixedFE(r);
    default:
      throw new WasmFormatError(`unsupported instruction 0x${op.toString(16)} at offset ${r.pos - 1}`);
  }
}

export interface BodyRewrite {
  /** A function of `memory.grow`'s signature that replaces every `memory.grow` on memory 0; null leaves them. */
  readonly growCall: number | null;
  /** A mutable i64 global: the fuel that a check at the body's start and at every loop header spends. */
  readonly fuelGlobal: number;
}

/**
 * Traps (`unreachable`) when the fuel is used up, else spends one unit. Checked before it is
 * spent, so a guest stopped by it leaves the global at exactly 0, which tells this trap apart
 * from the guest's own.
 */
function fuelCheck(global: number): number[] {
  const g = encodeU32(global);
  return [GLOBAL_GET, ...g, I64_EQZ, IF, EMPTY_BLOCK, UNREACHABLE, END, GLOBAL_GET, ...g, I64_CONST, 1, I64_SUB, GLOBAL_SET, ...g];
}

/**
 * Rewrites one function body (locals + expression): a fuel check at its start and after every
 * `loop` header (a `br` to a loop jumps there, so every iteration pays), and `memory.grow`
 * redirected when asked. Branch depths and indices stay valid: the check's `if` closes within
 * itself. Returns the new body and how many `memory.grow` were redirected.
 */
export function instrumentBody(body: Uint8Array, rw: BodyRewrite): { body: Uint8Array; grows: number } {
  const r = new ByteReader(body);
  const localGroups = r.u32();
  for (let i = 0; i < localGroups; i++) {
    r.u32();
    skipValType(r);
  }
  const check = Uint8Array.from(fuelCheck(rw.fuelGlobal));
  const parts: Uint8Array[] = [body.subarray(0, r.pos), check];
  let copiedTo = r.pos;
  let grows = 0;
  const call = rw.growCall === null ? null : Uint8Array.from([CALL, ...encodeU32(rw.growCall)]);
  while (!r.done) {
    const start = r.pos;
    const op = r.byte();
    if (op === MEMORY_GROW && call) {
      if (r.u32() === 0) {
        parts.push(body.subarray(copiedTo, start), call);
        copiedTo = r.pos;
        grows++;
      }
      continue;
    }
    skipImmediates(r, op);
    if (op === LOOP) {
      parts.push(body.subarray(copiedTo, r.pos), check);
      copiedTo = r.pos;
    }
  }
  parts.push(body.subarray(copiedTo));
  return { body: concatBytes(parts), grows };
}
