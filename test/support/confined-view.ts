import { resolve } from "node:path";

/**
 * What a confined worker's /tmp shows besides its own files: the top folder of the base folder
 * when the project lies under /tmp (a clone there), which stays visible read-only.
 */
export function withoutBaseFolder(files: readonly string[], baseDir = process.cwd()): string[] {
  const base = resolve(baseDir);
  const top = base.startsWith("/tmp/") ? base.slice("/tmp/".length).split("/")[0] : undefined;
  return files.filter((f) => f !== top);
}
