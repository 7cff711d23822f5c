import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ScenarioContext } from "./scenario.js";

/**
 * Runs `fn`; with `--profile`, under V8's CPU profiler of this process, written to the profile
 * folder as `CPU.<date>.<time>.<pid>.0.<n>.cpuprofile` (the name `node --cpu-prof` uses), so the
 * runner summarises it with the services' profiles.
 */
export async function profiled<T>(ctx: ScenarioContext, label: string, fn: () => Promise<T>): Promise<T> {
  if (!ctx.profileDir) return fn();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1_000 });
  await session.post("Profiler.start");
  try {
    return await fn();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", ".").slice(0, 15);
    writeFileSync(join(ctx.profileDir, `CPU.${stamp}.${process.pid}.0.${Date.now() % 1000}.cpuprofile`), JSON.stringify(profile));
    ctx.labelProcess(process.pid, `bench process: ${label}`);
  }
}
