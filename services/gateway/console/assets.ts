import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SpearError } from "../../../domain/errors.js";
import { packageRoot } from "../../../infra/local/paths.js";

/**
 * The console's browser code is TypeScript in ./browser, compiled by the project's own tsc
 * like everything else (not bundled): read from dist/, found from the package root, whether this
 * file runs bundled in the `spear` command, from dist/, or as TypeScript source under the test
 * runner (the test setup compiles dist/ first).
 */
const browserDir = (): string => join(packageRoot(), "dist", "services", "gateway", "console", "browser");

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );
}

/**
 * Every module of the browser code by its path under /console/assets/, read once at start: the
 * console serves exactly these and nothing else from the disk.
 */
export function loadBrowserModules(): ReadonlyMap<string, string> {
  const dir = browserDir();
  if (!existsSync(join(dir, "main.js"))) throw new SpearError("internal", `the console's compiled browser code is missing at ${dir}: run npm run build`);
  return new Map(
    jsFiles(dir).map((file) => [
      relative(dir, file).split("\\").join("/"),
      // Source maps point at sources that are not served.
      readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=.*$/, "\n"),
    ]),
  );
}
