import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const isSpearRoot = (dir: string) => {
  const manifest = join(dir, "package.json");
  return existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "spear";
};

/** The folder holding Spear's package.json, whether running from source or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isSpearRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find Spear's package root");
    dir = up;
  }
  return dir;
}

export const infraFile = (...parts: string[]) => join(packageRoot(), "infra", ...parts);
