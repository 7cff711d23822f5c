import getPort from "get-port";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { exited, spawnCli } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

/**
 * A failure that escapes every handler (a bug on a rare path) is logged and served through; a
 * burst of them ends the process with exit code 70, for its supervisor to start a fresh one.
 */
const servers = useServers({ nats: true });
const preload = pathToFileURL(join(import.meta.dirname, "..", "..", "support", "workers", "stray-throws.mjs")).href;

async function controlPlane(throws: number) {
  const port = await getPort({ host: "127.0.0.1" });
  const child = spawnCli(["sms", "--nats", servers.nats.url, "--monitor-port", String(port)], { NODE_OPTIONS: `--import=${preload}`, SPEAR_TEST_THROWS: String(throws) });
  const stderr: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (c: string) => stderr.push(c));
  return { child, stderr, healthz: `http://127.0.0.1:${port}/healthz` };
}

describe("the last-resort handler of a service", () => {
  it("logs a stray failure and keeps serving", async () => {
    const sms = await controlPlane(1);
    try {
      await eventually(() => (/uncaught exception: logged/.test(sms.stderr.join("")) ? true : undefined), 20_000, 100);
      expect((await fetch(sms.healthz)).status).toBe(200);
      expect(sms.child.exitCode).toBeNull();
    } finally {
      sms.child.kill("SIGTERM");
      await exited(sms.child);
    }
  }, 30_000);

  it("exits with code 70 for its supervisor after a burst of them", async () => {
    const sms = await controlPlane(6);
    const code = await Promise.race([exited(sms.child), new Promise<string>((r) => setTimeout(() => r("still running"), 20_000))]);
    if (code === "still running") sms.child.kill("SIGKILL");
    expect(code).toBe(70);
    expect(sms.stderr.join("")).toMatch(/too many in a minute; exiting for a restart/);
  }, 30_000);
});
