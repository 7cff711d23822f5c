import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { api } from "../../../domain/api/registry.js";
import { smsRequest } from "../../../services/api/client.js";
import type { Nats } from "../../../streams/connection.js";
import { exited, runCli, spawnCli } from "../../support/cli.js";
import { connectTest, eventually } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
const cli = (...args: string[]) => runCli([...args, "--nats", servers.nats.url]);
const lines = (out: string) => out.split("\n").filter((l) => l.trim().length > 0);

beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

describe("spear sms and the control-plane commands", () => {
  it("says no replica answers when none runs", async () => {
    const r = await cli("nodes", "ls");
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/nothing answers on spear.api.nodes.list; is 'spear sms' running\? \[service_unavailable\]/);
  });

  it("refuses contradictory settings at start-up", async () => {
    const r = await cli("sms", "--heartbeat-interval", "5s", "--heartbeat-timeout", "1s");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/heartbeatTimeout: must be longer than the heartbeat interval \[invalid_config\]/);
  });

  it("runs as a process that answers the CLI and stops on SIGTERM", async () => {
    let sms: ChildProcess | undefined = spawnCli(["sms", "--nats", servers.nats.url]);
    try {
      await eventually(async () => (await cli("nodes", "ls")).code === 0 || undefined, 20_000, 200);
      await smsRequest(nats.nc, api.nodes.register, {
        nodeId: "cli-node",
        name: "cli node",
        capabilities: { runtimes: ["wasm"], services: ["asr"], languages: ["en"] },
        capacity: { slots: 3 },
      });
      const table = await cli("nodes", "ls");
      expect(table.stdout).toMatch(/cli-node/);
      expect(table.stdout).toMatch(/online/);
      const json = await cli("nodes", "get", "cli-node", "--json");
      expect(JSON.parse(json.stdout)).toMatchObject({ id: "cli-node", capacity: { slots: 3 }, state: "online" });
      const drained = await cli("nodes", "drain", "cli-node", "--reason", "maintenance", "--json");
      expect(JSON.parse(drained.stdout)).toMatchObject({ state: "draining", drainReason: "maintenance" });
      const again = await cli("nodes", "drain", "cli-node");
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/node 'cli-node' is draining already \[node_already_draining\]/);
      expect((await cli("nodes", "undrain", "cli-node")).code).toBe(0);
      expect(JSON.parse((await cli("nodes", "rm", "cli-node", "--json")).stdout).state).toBe("deregistered");
      expect((await cli("nodes", "ls", "--all", "--json")).stdout).toMatch(/"state":"deregistered"/);
      const missing = await cli("sessions", "get", "nope");
      expect(missing.stderr).toMatch(/no session 'nope' \[session_not_found\]/);

      sms.kill("SIGTERM");
      expect(await exited(sms)).toBe(0);
      sms = undefined;
    } finally {
      if (sms) {
        sms.kill("SIGKILL");
        await exited(sms);
      }
    }
  });
});
