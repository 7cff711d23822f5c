import { connect, createInbox, headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import getPort from "get-port";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../../infra/local/dev-stop.js";
import { readDevState, type DevState } from "../../../services/config.js";
import { runCli } from "../../support/cli.js";
import { eventually } from "../../support/nats.js";

const dataDir = mkdtempSync(join(tmpdir(), "spear-dev-"));
const dd = ["--data-dir", dataDir];
let state: DevState;


beforeAll(async () => {
  const ports = ["--nats-port", String(await getPort()), "--redis-port", String(await getPort()), "--gateway-port", String(await getPort())];
  const up = await runCli(["dev", "--detach", ...dd, ...ports], {}, 180_000);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stdout).toContain("Spear is up.");
  state = readDevState(dataDir)!;
}, 200_000);

afterAll(async () => {
  if (state) await runCli(["dev", "stop", ...dd], {}, 120_000);
  rmSync(dataDir, { recursive: true, force: true });
}, 150_000);

describe("spear dev: the whole system on one machine", () => {
  it("runs every part and deploys the examples", () => {
    expect(Object.keys(state.pids).sort()).toEqual(
      ["gateway", "nats-server", "projections", "redis-server", "scheduler", "sms", "spearlet-dev-1", "spearlet-dev-2"].sort(),
    );
    for (const pid of Object.values(state.pids)) expect(isRunning(pid)).toBe(true);
  });

  it("answers `spear invoke` for each example function", async () => {
    const echo = await runCli(["invoke", "echo", "--data", '{"hello":"world"}', ...dd]);
    expect(echo.code, echo.stderr).toBe(0);
    expect(JSON.parse(echo.stdout)).toEqual({ hello: "world" });
    const wc = await runCli(["invoke", "wordcount", "--data", '"the quick brown fox"', ...dd]);
    expect(JSON.parse(wc.stdout)).toMatchObject({ words: 4, bytes: 19 });
    const text = await runCli(["invoke", "wc", "--data", '{"text":"one two\\nthree"}', ...dd]);
    expect(JSON.parse(text.stdout)).toMatchObject({ lines: 2, words: 3 });
  });

  it("answers the same through the HTTP gateway, with the printed token and not without", async () => {
    const call = (auth: Record<string, string>) =>
      fetch(`${state.gatewayUrl}/v1/functions/echo:invoke`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({ input: { via: "http" } }),
      });
    expect((await call({})).status).toBe(401);
    const res = await call({ authorization: `Bearer ${state.credentials!.gateway.token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "succeeded", output: { via: "http" } });
  });

  it("refuses an anonymous NATS connection", async () => {
    await expect(connect({ servers: state.natsUrl, reconnect: false })).rejects.toThrow(/Authorization Violation/);
  });

  it("answers a plain NATS client with the client identity, knowing only the documented subjects and JSON", async () => {
    const client = new URL(state.credentials!.client.natsUrl);
    const nc = await connect({ servers: state.natsUrl, user: decodeURIComponent(client.username), pass: decodeURIComponent(client.password) });
    try {
      const sync = await nc.request("spear.api.invoke.echo", JSON.stringify({ input: { via: "nats-request" } }), { timeout: 10_000 });
      expect(JSON.parse(sync.string())).toMatchObject({ ok: true, result: { status: "succeeded", output: { via: "nats-request" } } });

      const inbox = createInbox();
      const sub = nc.subscribe(inbox, { max: 1, timeout: 10_000 });
      const h = headers();
      h.set("Nats-Msg-Id", "plain-client-1");
      h.set("Spear-Reply-To", inbox);
      await jetstream(nc).publish("spear.invoke.echo", JSON.stringify({ input: { via: "jetstream" } }), { headers: h });
      for await (const m of sub) expect(JSON.parse(m.string())).toMatchObject({ invocationId: "plain-client-1", status: "succeeded", output: { via: "jetstream" } });
    } finally {
      await nc.close();
    }
  });

  it("returns an id at once for an async invoke, and `spear invocations get` shows the result when done", async () => {
    const sub = await runCli(["invoke", "wordcount", "--async", "--data", '"a b c"', ...dd]);
    expect(sub.code, sub.stderr).toBe(0);
    const id = sub.stdout.trim();
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    const got = await eventually(async () => {
      const r = await runCli(["invocations", "get", id, "--json", ...dd]);
      const body = JSON.parse(r.stdout);
      return body.status ? body : undefined;
    }, 30_000, 250);
    expect(got).toMatchObject({ invocationId: id, status: "succeeded", output: { words: 3 } });
  });

  it("stops everything it started with `spear dev stop`", async () => {
    const pids = Object.values(state.pids);
    const down = await runCli(["dev", "stop", ...dd], {}, 120_000);
    expect(down.code, down.stderr).toBe(0);
    await eventually(() => (pids.every((p) => !isRunning(p)) ? true : undefined), 30_000, 200);
    state = undefined as unknown as DevState;
  });
});
