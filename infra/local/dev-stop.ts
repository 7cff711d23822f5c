import { readFileSync, rmSync } from "node:fs";
import { SpearError } from "../../domain/errors.js";
import { devStateFile, readDevState } from "../../services/config.js";
import { stopWaves } from "./dev-stack.js";

/** Running, and not a zombie waiting for whatever adopted it to reap it. */
export const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
};

/** Whether `pid` still runs the program we started under it (not a stranger that got the pid later). */
const isOurs = (pid: number, name: string) => {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return name === "nats-server" || name === "redis-server" ? cmdline.includes(name) : cmdline.includes("spear.js");
  } catch {
    return isRunning(pid);
  }
};

async function end(pid: number, graceMs: number): Promise<void> {
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isRunning(pid)) process.kill(pid, "SIGKILL");
}

/**
 * `spear dev stop`: ends what a detached `spear dev` started, by the pids it wrote to dev.json,
 * services first (newest first: spearlets drain), servers last.
 */
export async function stopDetached(dataDir: string): Promise<string[]> {
  const state = readDevState(dataDir);
  if (!state) throw new SpearError("invalid_argument", `no ${devStateFile(dataDir)}: is a detached 'spear dev' running with this --data-dir?`);
  const stopped: string[] = [];
  const stop = async (name: string) => {
    const pid = state.pids[name];
    if (pid === undefined || !isRunning(pid) || !isOurs(pid, name)) return;
    await end(pid, 15_000);
    stopped.push(name);
  };
  for (const wave of [...stopWaves(Object.keys(state.pids)), ["redis-server"], ["nats-server"]]) await Promise.all(wave.map(stop));
  rmSync(devStateFile(dataDir), { force: true });
  return stopped;
}
