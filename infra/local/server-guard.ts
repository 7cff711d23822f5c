/**
 * The guard of a server binary (nats-server, redis-server) that a launcher runs: the server
 * cannot watch the launcher itself, so this small process does, and stops the server when the
 * launcher is gone, however it went (even SIGKILL), so that no server outlives its launcher.
 *
 *   node server-guard.js <launcher pid> <server pid> <server start time> <server name>
 *
 * The launcher is this process's parent and holds the other end of its stdin: when the launcher
 * ends, the kernel closes that pipe (and this process is re-parented), which is how the guard
 * knows. Lines the launcher writes on that pipe, `wait <pid> <start time>`, name processes the
 * server must outlive (the services using it): once the launcher is gone the guard first waits
 * for them to stop (each stops by itself when its supervisor disappears), at most WAIT_MS, then
 * stops the server: SIGTERM, and SIGKILL after KILL_AFTER_MS. It acts only on the server pid it
 * was given and only while that pid has the start time it was given (never by name), and exits
 * as soon as the server is gone. Terminal signals (SIGINT, SIGHUP) are not for it.
 *
 * Linux only (/proc). Runs from dist/ without the rest of Spear's code.
 */
import { identify, stillRunning, type ProcessId } from "./process-identity.js";

const POLL_MS = 500;
const GUARD_WAIT_MS = 8_000;
const GUARD_KILL_AFTER_MS = 4_000;

function main(argv: readonly string[]): void {
  const [launcherArg, pidArg, startArg, name = "server"] = argv;
  const launcher = Number(launcherArg);
  const server: ProcessId = { pid: Number(pidArg), ...(startArg && startArg !== "-" ? { startTime: Number(startArg) } : {}) };
  const say = (msg: string) => {
    try {
      process.stderr.write(`[spear guard of ${name} ${server.pid}] ${msg}\n`);
    } catch {
      // nowhere to say it
    }
  };
  if (!Number.isInteger(launcher) || !Number.isInteger(server.pid) || server.pid <= 1) {
    say(`bad arguments: ${argv.join(" ")}`);
    process.exit(2);
  }
  for (const s of ["SIGINT", "SIGHUP"] as const) process.on(s, () => undefined);

  const waitFor: ProcessId[] = [];
  let gone = false;
  const launcherGone = async (how: string) => {
    if (gone) return;
    gone = true;
    const waitDeadline = Date.now() + GUARD_WAIT_MS;
    const users = () => waitFor.filter((p) => stillRunning(p));
    if (users().length) say(`the launcher is gone (${how}); waiting for ${users().length} service(s) to stop first`);
    while (users().length && Date.now() < waitDeadline) await sleep(100);
    if (!stillRunning(server)) process.exit(0);
    say(`the launcher is gone (${how}): stopping ${name}`);
    kill("SIGTERM");
    const killDeadline = Date.now() + GUARD_KILL_AFTER_MS;
    while (stillRunning(server) && Date.now() < killDeadline) await sleep(50);
    if (stillRunning(server)) {
      say(`${name} did not stop within ${GUARD_KILL_AFTER_MS} ms: SIGKILL`);
      kill("SIGKILL");
    }
    process.exit(0);
  };
  const kill = (signal: NodeJS.Signals) => {
    if (!stillRunning(server)) return;
    try {
      process.kill(server.pid, signal);
    } catch {
      // gone meanwhile
    }
  };

  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const [verb, pid, start] = line.trim().split(/\s+/);
      if (verb === "wait" && Number.isInteger(Number(pid))) waitFor.push(start && start !== "-" ? { pid: Number(pid), startTime: Number(start) } : identify(Number(pid)));
    }
  });
  process.stdin.on("end", () => void launcherGone("its pipe closed"));
  process.stdin.on("error", () => void launcherGone("its pipe failed"));

  setInterval(() => {
    if (!stillRunning(server)) process.exit(0);
    if (process.ppid !== launcher) void launcherGone("this guard was re-parented");
  }, POLL_MS);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main(process.argv.slice(2));
