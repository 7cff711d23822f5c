import { SpearError } from "../../../../domain/errors.js";
import { WasmFormatError } from "./binary/byte-reader.js";
import { sandboxModule } from "./binary/sandbox-module.js";

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Validates a WebAssembly artifact, rewrites it for the sandbox (see `sandboxModule`) and
 * compiles it. The result is what `SharedBinary.module` holds: compiled once per artifact on a
 * node and posted to every instance's worker thread, whatever memory limit each version sets.
 */
export async function compileWasmModule(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  if (!WebAssembly.validate(bytes)) {
    const why = await WebAssembly.compile(bytes).then(
      () => "rejected by the engine",
      (e: unknown) => reason(e),
    );
    throw new SpearError("artifact_invalid", `not a valid WebAssembly module: ${why}`);
  }
  let sandboxed: Uint8Array<ArrayBuffer>;
  try {
    sandboxed = sandboxModule(bytes).bytes;
  } catch (e) {
    if (e instanceof WasmFormatError) throw new SpearError("artifact_invalid", `the module cannot be sandboxed: ${e.message}`);
    throw e;
  }
  try {
    return await WebAssembly.compile(sandboxed);
  } catch (e) {
    throw new SpearError("internal", `the sandboxed module failed to compile: ${reason(e)}`, undefined, { cause: e });
  }
}
