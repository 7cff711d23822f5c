import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Writes a `--tokens-file` (YAML) into a fresh temporary folder and returns its path. */
export function writeTokensFile(content: unknown, name = "tokens.yaml"): string {
  const file = join(mkdtempSync(join(tmpdir(), "spear-gateway-tokens-")), name);
  writeFileSync(file, typeof content === "string" ? content : stringify(content));
  return file;
}
