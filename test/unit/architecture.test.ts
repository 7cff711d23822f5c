import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [join(dir, e.name)] : [],
  );
}

const layers = ["domain", "streams", "projections", "services"].flatMap(sources);
const declared = /^export (?:declare )?(?:abstract )?(?:interface|type|class|const|let|function|async function|enum) ([A-Za-z0-9_$]+)/gm;

/** The room a service file lives in (`services/<room>/…`), or undefined for a shared file at the top. */
const roomOf = (file: string) => file.split("/")[1]?.endsWith(".ts") ? undefined : file.split("/")[1];
/** Rooms every service may use: the wire contract, the leases, telemetry (traces), the metrics, the shared config and logger. */
const shared = new Set(["api", "leases", "telemetry", "metrics", undefined]);
/** A service may use another only through its public entry: the SDK's. */
const publicEntries = new Set(["services/sdk/index.ts"]);
/** The CLI runs every service: it may start each through its entry point and settings. */
const runsServices = "cli";

describe("architecture", () => {
  it("exports no two names alike across the layers (a name means one thing)", () => {
    const where = new Map<string, Set<string>>();
    for (const file of layers) {
      for (const m of readFileSync(join(root, file), "utf8").matchAll(declared)) where.set(m[1]!, (where.get(m[1]!) ?? new Set()).add(file));
    }
    expect([...where].filter(([, files]) => files.size > 1).map(([name, files]) => `${name}: ${[...files].join(", ")}`)).toEqual([]);
  });

  it("keeps each service out of another's internals", () => {
    const crossings: string[] = [];
    for (const file of layers.filter((f) => f.startsWith("services/"))) {
      const from = roomOf(file);
      if (shared.has(from) || from === runsServices) continue;
      for (const m of readFileSync(join(root, file), "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const target = relative(root, normalize(join(root, dirname(file), m[1]!))).replace(/\.js$/, ".ts");
        if (!target.startsWith("services/")) continue;
        const to = roomOf(target);
        if (to !== from && !shared.has(to) && !publicEntries.has(target)) crossings.push(`${file} → ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });
});
