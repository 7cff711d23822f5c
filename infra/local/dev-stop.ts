import { readFileSync, rmSync } from "node:fs";
import { SpearError } from "../../domain/errors.js";
import { devStateFile, readDevState } from "../../services/config.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether `pid` still runs the program we started under it (not a stranger that got the pid later). */
const isOurs = (pid: number, name: string) => {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return name === "nats-server" || name === "redis-server" ? cmdline.includes(name) : cmdline.includes("spear.js");
  } catch {
    return alive(pid);
  }
};

async function end(pid: number, graceMs: number): Promise<void> {
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

/**
 * `spear dev stop`: ends what a detached `spear dev` started, by the pids it wrote to dev.json,
 * services first (newest first: spearlets drain), servers last.
 */
export async function stopDetached(dataDir: string): Promise<string[]> {
  const state = readDevState(dataDir);
  if (!state) throw new SpearError("invalid_argument", `no ${devStateFile(dataDir)}: is a detached 'spear dev' running with this --data-dir?`);
  const servers = new Set(["nats-server", "redis-server"]);
  const order = [...Object.entries(state.pids).filter(([n]) => !servers.has(n)).reverse(), ["redis-server", state.pids["redis-server"]], ["nats-server", state.pids["nats-server"]]] as const;
  const stopped: string[] = [];
  for (const [name, pid] of order) {
    if (pid === undefined || !alive(pid) || !isOurs(pid, name)) continue;
    await end(pid, 15_000);
    stopped.push(name);
  }
  rmSync(devStateFile(dataDir), { force: true });
  return stopped;
}
