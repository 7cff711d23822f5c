import { ByteReader, WasmFormatError, concatBytes, encodeU32 } from "./byte-reader.js";

export const SectionId = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
  tag: 13,
} as const;

/** Where each known section must stand; the tag section sits between memory and global. */
const ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
export const sectionRank = (id: number): number => ORDER[id] ?? -1;

export interface Section {
  readonly id: number;
  readonly payload: Uint8Array;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || HEADER.some((b, i) => bytes[i] !== b)) throw new WasmFormatError("not a WebAssembly 1.0 binary module");
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    sections.push({ id, payload: bytes.subarray(start, start + size) });
  }
  return sections;
}

export function writeModule(sections: readonly Section[]): Uint8Array<ArrayBuffer> {
  return concatBytes([HEADER, ...sections.flatMap((s) => [[s.id, ...encodeU32(s.payload.length)], s.payload])]);
}

/** A vector section's entry count and the bytes of its entries, so entries can be appended. */
export function vectorOf(payload: Uint8Array | undefined): { count: number; entries: Uint8Array } {
  if (!payload) return { count: 0, entries: new Uint8Array(0) };
  const r = new ByteReader(payload);
  const count = r.u32();
  return { count, entries: payload.subarray(r.pos) };
}

export function vectorPayload(count: number, parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  return concatBytes([encodeU32(count), ...parts]);
}

/** Memory (and table) limits: flag bit 0 = has max, bit 1 = shared, bit 2 = 64-bit. */
export interface Limits {
  readonly min: number;
  readonly max: number | null;
  readonly shared: boolean;
}

export function readLimits(r: ReadonlyReader): Limits {
  const flags = r.byte();
  if (flags & 0x04) throw new WasmFormatError("64-bit memories are not supported");
  if (flags > 0x03) throw new WasmFormatError(`unknown limits flags 0x${flags.toString(16)}`);
  const min = r.u32();
  const max = flags & 0x01 ? r.u32() : null;
  return { min, max, shared: (flags & 0x02) !== 0 };
}

export function encodeLimits(l: Limits): number[] {
  const flags = (l.max !== null ? 0x01 : 0) | (l.shared ? 0x02 : 0);
  return [flags, ...encodeU32(l.min), ...(l.max !== null ? encodeU32(l.max) : [])];
}

type ReadonlyReader = Pick<ByteReader, "byte" | "u32">;
