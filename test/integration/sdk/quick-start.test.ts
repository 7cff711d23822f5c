import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useCluster } from "../../support/cluster.js";
import { quickStart } from "./quick-start.js";

const root = join(import.meta.dirname, "..", "..", "..");
const cluster = useCluster();

describe("docs/sdk.md quick start", () => {
  it("runs against a cluster", async () => {
    await cluster.deploy("echo");
    await cluster.spearlet("qs-n1", 2);
    const r = await quickStart(cluster.servers.nats.url);
    expect(r.output).toMatchObject({ echo: { hello: "world" } });
    expect(r.steps).toEqual(["InvocationRequested", "InvocationAssigned", "InvocationFinished"]);
    expect(r.status).toBe("succeeded");
    expect(r.code).toBe("function_not_found");
  });

  it("is shown unchanged in docs/sdk.md, importing the package by name", () => {
    const source = readFileSync(join(import.meta.dirname, "quick-start.ts"), "utf8").replace('"../../../services/sdk/index.js"', '"spear"');
    const doc = readFileSync(join(root, "docs", "sdk.md"), "utf8");
    const shown = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(shown).toBe(source);
  });

  it("is what the package exports: `import('spear')` gives the client, with type declarations", () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import('spear'); console.log(typeof m.SpearClient.connect, typeof m.InvocationFailedError, Object.keys(m.errorCatalog).length > 0)"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(out.trim()).toBe("function function true");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: { ".": { types: string } } };
    expect(readFileSync(join(root, pkg.exports["."].types), "utf8")).toContain("SpearClient");
  });
});
