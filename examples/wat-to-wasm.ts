import wabtInit from "wabt";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
/** Post-MVP proposals to accept beyond wabt's defaults (threads, tail calls, ...). */
export type WatFeatures = Parameters<Wabt["parseWat"]>[2];

let wabt: Promise<Wabt> | undefined;

/** Assembles WebAssembly text (WAT) into a validated binary module, with its names kept. */
export async function watToWasm(source: string, filename = "module.wat", features?: WatFeatures): Promise<Uint8Array<ArrayBuffer>> {
  const w = await (wabt ??= wabtInit());
  const mod = w.parseWat(filename, source, features);
  try {
    mod.resolveNames();
    // wabt's validate takes the same features as parseWat (its typings leave the argument out).
    (mod as unknown as { validate(features?: WatFeatures): void }).validate(features);
    return Uint8Array.from(mod.toBinary({ log: false, write_debug_names: true }).buffer);
  } finally {
    mod.destroy();
  }
}
