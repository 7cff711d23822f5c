// Reads V8 CPU profiles (`node --cpu-prof`) and says where the time went: the functions with the
// most self time, and the time per package or source file. Also runnable on its own:
//   node dist/bench/support/cpu-profile.js <file.cpuprofile | folder> [...]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly pid: number | undefined;
  readonly totalMs: number;
  /** Time the process was busy (samples not in the idle node). */
  readonly busyMs: number;
  readonly topFunctions: readonly { readonly name: string; readonly ms: number; readonly percentOfBusy: number }[];
  readonly byModule: readonly { readonly module: string; readonly ms: number; readonly percentOfBusy: number }[];
}

/** A source location folded to what a reader recognises: a package, a Spear file, or Node's internals. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node:internals";
  const spear = /\/dist\/(.+)$/.exec(url);
  return spear ? spear[1]! : url;
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const modules = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    busyUs += us;
    const where = url ? `${moduleOf(url, functionName)}:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const mod = moduleOf(url, functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percentOfBusy: Math.round((1000 * us) / Math.max(1, busyUs)) / 10 }));
  const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(basename(file))?.[1];
  return {
    file,
    pid: pid ? Number(pid) : undefined,
    totalMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyUs / 1000),
    topFunctions: rank(fns),
    byModule: rank(modules).map(({ name, ms, percentOfBusy }) => ({ module: name, ms, percentOfBusy })),
  };
}

/** Every profile in a folder (or the files given). */
export function profilesIn(paths: readonly string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith(".cpuprofile"))
          .map((f) => join(p, f))
      : [p],
  );
}

export function printProfile(s: ProfileSummary, label?: string): void {
  const lines = [
    `${label ?? basename(s.file)} (pid ${s.pid ?? "?"}): busy ${s.busyMs} ms of ${s.totalMs} ms profiled`,
    "  by module:",
    ...s.byModule.slice(0, 10).map((m) => `    ${m.percentOfBusy.toFixed(1).padStart(5)} %  ${m.ms.toFixed(1).padStart(8)} ms  ${m.module}`),
    "  top functions (self time):",
    ...s.topFunctions.map((f) => `    ${f.percentOfBusy.toFixed(1).padStart(5)} %  ${f.ms.toFixed(1).padStart(8)} ms  ${f.name}`),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = profilesIn(process.argv.slice(2));
  if (files.length === 0) {
    process.stderr.write("usage: node dist/bench/support/cpu-profile.js <file.cpuprofile | folder> [...]\n");
    process.exitCode = 2;
  }
  for (const f of files) printProfile(summarizeProfile(f));
}
