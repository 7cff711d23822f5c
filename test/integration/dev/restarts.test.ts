import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Supervisor, type UnitRun, type UnitSpec } from "../../../infra/local/supervisor.js";
import { eventually } from "../../support/nats.js";

/** A logger whose lines land in `lines` (parsed). */
function recorder() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

const pids: number[] = [];

/** A unit whose every run is `node -e <script>`, its output kept in memory. */
function nodeUnit(name: string, script: string, extra: Partial<UnitSpec> = {}): UnitSpec & { runs: number } {
  const unit = {
    name,
    kind: "service" as const,
    logFile: `/nonexistent/${name}.log`,
    stopGraceMs: 5_000,
    runs: 0,
    ready: async () => true,
    spawn: async (): Promise<UnitRun> => {
      unit.runs += 1;
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      pids.push(child.pid!);
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
        child.once("close", (code, signal) => resolve({ code, signal, at: Date.now() })),
      );
      return {
        pid: child.pid,
        ended,
        stop: async (ms) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), ms);
          await ended;
          clearTimeout(t);
        },
        kill: () => void child.kill("SIGKILL"),
        tail: (n) => lines.slice(-n),
      };
    },
    ...extra,
  };
  return unit;
}

afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

describe("the dev launcher's supervisor", () => {
  it("restarts a process that exits on its own, with a delay that doubles, reporting each exit with its last lines", async () => {
    const { log, lines } = recorder();
    const sup = new Supervisor({ log, restart: true, readyTimeoutMs: 5_000, policy: { firstDelayMs: 100, maxDelayMs: 1_000, stableAfterMs: 60_000, crashLoopRuns: 4 } });
    const flaky = nodeUnit("flaky", "console.log('doing well'); console.log('about to fail'); setTimeout(() => process.exit(3), 150)");
    await sup.start(flaky);
    await eventually(() => (flaky.runs >= 3 ? true : undefined), 10_000);
    const exits = lines.filter((l) => l.level === 40 && l.msg.startsWith("flaky (pid"));
    expect(exits.length).toBeGreaterThanOrEqual(2);
    expect(exits[0]!.msg).toContain("exited with code 3; restarting it in 100 ms");
    expect(exits[0]!.msg).toContain("about to fail");
    expect(exits[1]!.msg).toContain("restarting it in 200 ms");
    await sup.stop([["flaky"]]);
  });

  it("reports a crash loop and leaves the process stopped", async () => {
    const { log, lines } = recorder();
    const sup = new Supervisor({ log, restart: true, readyTimeoutMs: 5_000, policy: { firstDelayMs: 50, maxDelayMs: 200, stableAfterMs: 60_000, crashLoopRuns: 3 } });
    const broken = nodeUnit("broken", "console.log('bad input'); setTimeout(() => process.exit(1), 50)");
    await sup.start(broken);
    await eventually(() => (sup.status()[0]!.state === "crash-loop" ? true : undefined), 10_000);
    const runs = broken.runs;
    await new Promise((r) => setTimeout(r, 500));
    expect(broken.runs).toBe(runs);
    expect(broken.runs).toBe(3);
    const status = sup.status()[0]!;
    expect(status).toMatchObject({ name: "broken", state: "crash-loop", restarts: 2, lastExit: { code: 1 } });
    expect(status.pid).toBeUndefined();
    const report = lines.find((l) => l.level === 50);
    expect(report?.msg).toContain("broken (pid");
    expect(report?.msg).toContain("3 times in a row");
    expect(report?.msg).toContain("left stopped");
    expect(report?.msg).toContain("bad input");
    await sup.stop([["broken"]]);
  });

  it("does not restart anything it stops, and stops wave after wave", async () => {
    const { log } = recorder();
    const sup = new Supervisor({ log, restart: true, readyTimeoutMs: 5_000 });
    const order: string[] = [];
    const slow = "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 300)); setInterval(() => {}, 1000)";
    const track = (u: UnitSpec & { runs: number }) => ({
      ...u,
      spawn: async () => {
        const run = await u.spawn();
        return {
          ...run,
          stop: async (ms: number) => {
            order.push(`stop ${u.name}`);
            await run.stop(ms);
            order.push(`gone ${u.name}`);
          },
        };
      },
    });
    const a = nodeUnit("a", slow);
    const b = nodeUnit("b", slow);
    const c = nodeUnit("c", slow);
    for (const u of [a, b, c]) await sup.start(track(u));
    await sup.stop([["c"], ["a", "b"]]);
    expect(order.slice(0, 2)).toEqual(["stop c", "gone c"]);
    expect(order.slice(2, 4).sort()).toEqual(["stop a", "stop b"]);
    expect(sup.status().map((s) => s.state)).toEqual(["stopped", "stopped", "stopped"]);
    await new Promise((r) => setTimeout(r, 300));
    expect([a.runs, b.runs, c.runs]).toEqual([1, 1, 1]);
  });

  it("fails the start of a process that exits before it is ready, with its last lines", async () => {
    const { log } = recorder();
    const sup = new Supervisor({ log, restart: true, readyTimeoutMs: 5_000 });
    const never = nodeUnit("never", "console.log('cannot open the port'); process.exit(2)", { ready: async () => false });
    await expect(sup.start(never)).rejects.toThrow(/never exited with code 2 during start-up[\s\S]*cannot open the port/);
    expect(never.runs).toBe(1);
  });
});
