import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..", "..");
const hook = pathToFileURL(join(root, "test", "support", "workers", "record-resolved.mjs")).href;

/** What `import ... from "spear"` loads: the package's own export, as an application resolves it. */
function publishedEntry(): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: { ".": { default: string } } };
  return pathToFileURL(join(root, pkg.exports["."].default)).href;
}

/**
 * Every module a fresh Node process loads to import `entry`: ESM as the resolve hook saw it,
 * CommonJS from the require cache (a package's own `require`s pass no ESM hook).
 */
function modulesLoadedBy(entry: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "spear-module-graph-"));
  const log = join(dir, "resolved.txt");
  try {
    const program = [
      `import { createRequire, register } from "node:module";`,
      `import { pathToFileURL } from "node:url";`,
      `register(${JSON.stringify(hook)}, { data: { log: ${JSON.stringify(log)} } });`,
      `await import(${JSON.stringify(entry)});`,
      `const cjs = Object.keys(createRequire(${JSON.stringify(entry)}).cache).map((f) => pathToFileURL(f).href);`,
      `process.stdout.write(JSON.stringify(cjs));`,
    ].join("\n");
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`importing ${entry} failed (${r.status ?? r.signal}): ${r.stderr}`);
    const esm = readFileSync(log, "utf8").split("\n").filter(Boolean);
    return [...new Set([...esm, ...(JSON.parse(r.stdout) as string[])])];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the published SDK", () => {
  it("loads the client and none of the services, the CLI or the logger", () => {
    const loaded = modulesLoadedBy(publishedEntry());
    // The hook saw the graph: the client and the NATS client it is built on.
    expect(loaded.some((u) => u.endsWith("/services/sdk/client.js"))).toBe(true);
    expect(loaded.some((u) => u.includes("/node_modules/@nats-io/transport-node/"))).toBe(true);
    // Traces: the OpenTelemetry API only (a no-op without a registered SDK), never the exporting SDK.
    const forbidden = /\/services\/(cli|sms|gateway|scheduler|spearlet)\/|\/services\/telemetry\/tracing|\/node_modules\/pino[-/]|\/node_modules\/@opentelemetry\/(?!api\/)/;
    expect(loaded.filter((u) => forbidden.test(u))).toEqual([]);
  }, 60_000);
});
