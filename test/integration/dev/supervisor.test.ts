import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { identify, startTimeOf, stillRunning, type ProcessId } from "../../../infra/local/process-identity.js";
import { devStateFile, readDevState, type DevState } from "../../../services/config.js";
import { runCli } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { allGone, descendants, errorLines, launch, logLinesSince, portFree, root, sleep, waitUp, type Launched } from "./launcher.js";

/**
 * `npm start` / `spear dev` driven the way a terminal drives it: the launcher chain runs in a
 * process group of its own, and Ctrl-C or a closed window signals that whole group; or the
 * launcher alone is killed. Every process it started must be gone within 15 s, a normal stop
 * must log no error line, and no port may stay bound.
 */

const STOP_WITHIN_MS = 15_000;
const folders: string[] = [];
const started: Launched[] = [];
const strays: ChildProcess[] = [];

function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `spear-${name}-`));
  folders.push(dir);
  return dir;
}

async function up(command: string, args: readonly string[], dataDir: string): Promise<Launched> {
  const l = await launch(command, args, dataDir);
  started.push(l);
  await waitUp(l);
  return l;
}

/** Everything below the group's first process, and that process. */
const treeOf = (l: Launched): ProcessId[] => [identify(l.group), ...descendants(l.group)];

/** The ports a running stack holds: the servers', the gateway's and every monitor port. */
function portsOf(l: Launched, state: DevState): number[] {
  const monitors = Object.values(state.processes ?? {}).flatMap((p) => (p.monitorUrl ? [Number(new URL(p.monitorUrl).port)] : []));
  return [l.ports.nats, l.ports.redis, l.ports.gateway, ...monitors];
}

async function expectPortsFree(ports: readonly number[]): Promise<void> {
  const bound: number[] = [];
  for (const port of ports) if (!(await portFree(port))) bound.push(port);
  expect(bound, "ports still bound").toEqual([]);
}

/** Error-level lines the services wrote to their log files since `since`. */
function serviceErrors(state: DevState, since: number): string[] {
  return Object.values(state.processes ?? {})
    .filter((p) => p.kind === "service")
    .flatMap((p) => errorLines(logLinesSince(p.log, since)));
}

/** The launcher's "stopping ..." lines, in order. */
const stopWaves = (lines: readonly string[]) =>
  lines.flatMap((line) => {
    try {
      const j = JSON.parse(line) as { name?: string; msg?: string };
      return j.name === "spear-dev" && j.msg?.startsWith("stopping ") && !j.msg.startsWith("stopping everything") ? [j.msg.slice("stopping ".length).split(", ").sort()] : [];
    } catch {
      return [];
    }
  });

afterAll(async () => {
  // Whatever a failed test left: by the pids these tests started, never by name.
  for (const l of started) {
    const tree = treeOf(l);
    try {
      process.kill(-l.group, "SIGKILL");
    } catch {
      // gone
    }
    for (const id of tree) if (stillRunning(id)) process.kill(id.pid, "SIGKILL");
  }
  for (const s of strays) s.kill("SIGKILL");
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("npm start in a terminal", () => {
  const dataDir = folder("npm-start");
  let l: Launched;

  it("starts everything through npm and the bootstrap", async () => {
    l = await up("npm", ["start", "--"], dataDir);
    const state = readDevState(dataDir)!;
    expect(state.launcher?.detached).toBe(false);
    expect(Object.keys(state.processes ?? {}).sort()).toEqual(
      ["gateway", "nats-server", "projections", "redis-server", "scheduler", "sms", "spearlet-dev-1", "spearlet-dev-2"].sort(),
    );
    const status = await runCli(["dev", "status", "--json", "--data-dir", dataDir]);
    expect(status.code, status.stderr + status.stdout).toBe(0);
    const report = JSON.parse(status.stdout) as { launcher: { mode: string }; processes: { name: string; health: string; restarts: number }[] };
    expect(report.launcher.mode).toBe("supervising");
    expect(report.processes.every((p) => p.health === "ready" && p.restarts === 0)).toBe(true);
  }, 200_000);

  it("restarts a spearlet killed by SIGKILL, reports it on the terminal, and it serves again within seconds", async () => {
    const before = readDevState(dataDir)!.processes!["spearlet-dev-1"]!;
    const killedAt = Date.now();
    process.kill(before.pid!, "SIGKILL");
    const back = await eventually(
      async () => {
        const p = readDevState(dataDir)?.processes?.["spearlet-dev-1"];
        if (!p || p.restarts !== 1 || p.state !== "running" || p.pid === before.pid) return undefined;
        return (await fetch(`${p.monitorUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok ? p : undefined;
      },
      20_000,
      100,
    );
    // About 2 s on an idle machine (0.5 s delay, then the start); the bound leaves room for a loaded CI runner.
    expect(Date.now() - killedAt).toBeLessThan(12_000);
    expect(l.lines.some((line) => line.includes(`spearlet-dev-1 (pid ${before.pid}) killed by SIGKILL; restarting it`))).toBe(true);
    expect(l.lines.some((line) => line.includes(`spearlet-dev-1 is back (pid ${back.pid}, restart 1)`))).toBe(true);
    // `spear dev status` shows it.
    const status = await runCli(["dev", "status", "--json", "--data-dir", dataDir]);
    expect(status.code, status.stdout).toBe(0);
    const p = (JSON.parse(status.stdout) as { processes: { name: string; pid: number; restarts: number; health: string; lastExit?: { signal: string } }[] }).processes.find(
      (x) => x.name === "spearlet-dev-1",
    );
    expect(p).toMatchObject({ pid: back.pid, restarts: 1, health: "ready", lastExit: { signal: "SIGKILL" } });
    // The restarted node is registered again, and the cluster serves calls.
    const nodes = await runCli(["nodes", "ls", "--json", "--data-dir", dataDir]);
    const dev1 = nodes.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; state: string })
      .find((n) => n.id === "dev-1");
    expect(dev1?.state).toBe("online");
    const state = readDevState(dataDir)!;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${state.gatewayUrl}/v1/functions/echo:invoke`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${state.credentials!.gateway.token}` },
        body: JSON.stringify({ input: { n: i } }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "succeeded", output: { n: i } });
    }
  }, 60_000);

  it("Ctrl-C (SIGINT to the whole group) stops everything in order within 15 s, logs no error, frees every port", async () => {
    const state = readDevState(dataDir)!;
    const tree = treeOf(l);
    const ports = portsOf(l, state);
    const from = l.lines.length;
    const since = Date.now();
    process.kill(-l.group, "SIGINT");
    await allGone(tree, STOP_WITHIN_MS);
    const exit = await l.exited;
    // npm passes on the child's end: exit 0, or the SIGINT the shell under it re-raised.
    expect(exit.code === 0 || exit.signal === "SIGINT", JSON.stringify(exit)).toBe(true);
    const after = l.lines.slice(from);
    expect(errorLines(after)).toEqual([]);
    expect(serviceErrors(state, since)).toEqual([]);
    expect(stopWaves(after)).toEqual([["gateway", "scheduler"], ["spearlet-dev-1", "spearlet-dev-2"], ["projections", "sms"], ["redis-server"], ["nats-server"]]);
    expect(after.some((line) => line.includes("everything stopped"))).toBe(true);
    expect(existsSync(devStateFile(dataDir))).toBe(false);
    await expectPortsFree(ports);
  }, 30_000);
});

describe("spear dev: leftovers, a closed terminal, a killed launcher, a second Ctrl-C", () => {
  it("cleans up what a dead launcher left (only its own processes), refuses a second launcher, and stops in order when the terminal closes (SIGHUP)", async () => {
    const dataDir = folder("hup");
    // What a launcher that died would leave: a Spear service it started (here one waiting for a
    // NATS server that is not there), and a pid recorded for a process that has since been
    // replaced by another program (same pid, other start time): that one must be left alone.
    const leftover = spawn(process.execPath, [join(root, "bin", "spear.js"), "scheduler"], { stdio: "ignore", detached: true, env: { ...process.env, SPEAR_NATS_URL: "nats://127.0.0.1:1" } });
    const stranger = spawn("sleep", ["120"], { stdio: "ignore", detached: true });
    strays.push(leftover, stranger);
    const gone = spawn("true");
    await new Promise((r) => gone.once("exit", r));
    await eventually(() => (startTimeOf(leftover.pid!) !== undefined ? true : undefined), 5_000);
    const leftoverId = identify(leftover.pid!);
    mkdirSync(dataDir, { recursive: true });
    const record: DevState = {
      natsUrl: "nats://127.0.0.1:1",
      redisUrl: "redis://127.0.0.1:1",
      pids: { scheduler: leftover.pid!, "redis-server": stranger.pid! },
      startedAt: new Date().toISOString(),
      launcher: { pid: gone.pid!, startTime: 1, detached: false },
      processes: {
        scheduler: { kind: "service", pid: leftover.pid!, startTime: leftoverId.startTime!, state: "running", restarts: 0, log: "" },
        "redis-server": { kind: "server", pid: stranger.pid!, startTime: startTimeOf(stranger.pid!)! + 1, state: "running", restarts: 0, log: "" },
      },
    };
    writeFileSync(devStateFile(dataDir), JSON.stringify(record));

    const l = await up(process.execPath, [join(root, "bin", "spear.js"), "dev", "--spearlets", "1"], dataDir);
    expect(stillRunning(leftoverId)).toBe(false);
    expect(stillRunning(identify(stranger.pid!))).toBe(true);
    expect(l.lines.some((line) => line.includes("left scheduler running: stopping them first"))).toBe(true);

    const second = await runCli(["dev", "--data-dir", dataDir]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("Spear already runs from");

    const state = readDevState(dataDir)!;
    const tree = treeOf(l);
    const ports = portsOf(l, state);
    // The window closes: nothing reads the launcher's output any more, and the group gets SIGHUP.
    l.child.stdout!.destroy();
    l.child.stderr!.destroy();
    const since = Date.now();
    process.kill(-l.group, "SIGHUP");
    await allGone(tree, STOP_WITHIN_MS);
    expect((await l.exited).code).toBe(0);
    expect(serviceErrors(state, since)).toEqual([]);
    expect(existsSync(devStateFile(dataDir))).toBe(false);
    await expectPortsFree(ports);
  }, 200_000);

  it("leaves nothing behind when the launcher itself is killed (SIGKILL): services, servers and guards all stop", async () => {
    const dataDir = folder("kill");
    const l = await up(process.execPath, [join(root, "bin", "spear.js"), "dev", "--spearlets", "1"], dataDir);
    const state = readDevState(dataDir)!;
    const tree = descendants(l.group);
    expect(tree.length).toBeGreaterThanOrEqual(8); // 2 servers, 2 guards, 4 services
    const ports = portsOf(l, state);
    process.kill(l.group, "SIGKILL");
    await allGone(tree, STOP_WITHIN_MS);
    await expectPortsFree(ports);
    const status = await runCli(["dev", "status", "--json", "--data-dir", dataDir]);
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as { launcher: { mode: string }; processes: { health: string }[] };
    expect(report.launcher.mode).toBe("gone");
    expect(report.processes.every((p) => p.health === "down")).toBe(true);
  }, 200_000);

  it("`spear dev stop` asks a running launcher for the orderly stop (SIGTERM); a second Ctrl-C meanwhile ends everything at once (exit 130)", async () => {
    const dataDir = folder("twice");
    const l = await up(process.execPath, [join(root, "bin", "spear.js"), "dev", "--spearlets", "1"], dataDir);
    const state = readDevState(dataDir)!;
    const tree = treeOf(l);
    // A gateway that does not answer SIGTERM holds the orderly stop in its first wave.
    process.kill(state.pids.gateway!, "SIGSTOP");
    const stopping = runCli(["dev", "stop", "--data-dir", dataDir], {}, 120_000);
    await eventually(() => (l.lines.some((line) => line.includes("stopping everything in order (SIGTERM)")) ? true : undefined), 15_000, 50);
    await sleep(1_200);
    expect(stillRunning(identify(l.group))).toBe(true);
    const at = Date.now();
    process.kill(-l.group, "SIGINT");
    expect((await l.exited).code).toBe(130);
    await allGone(tree, 5_000);
    expect(Date.now() - at).toBeLessThan(5_000);
    expect(l.lines.some((line) => line.includes("ending everything at once"))).toBe(true);
    const stopped = await stopping;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain(`stopped launcher (pid ${l.group})`);
    expect(existsSync(devStateFile(dataDir))).toBe(false);
  }, 200_000);
});
