import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../services/config.js";
import { GatewayConfig } from "../../../services/gateway/config.js";
import { startGateway, type RunningGateway } from "../../../services/gateway/server.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { defaultStreamSettings } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { connectTest, eventually, testLog } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";
import { http } from "./harness.js";

const servers = useServers({ nats: true });
const s: { nats?: Nats; smsNats?: Nats; gateway?: RunningGateway; sms?: SmsService } = {};
const get = (path: string) => http(s.gateway!.url, "GET", path);

beforeAll(async () => {
  s.nats = await connectTest(servers.nats.url);
  s.gateway = await startGateway({ nats: s.nats, config: parseConfig(GatewayConfig, { port: 0, readyTimeout: 500 }), log: testLog, streams: defaultStreamSettings });
});
afterAll(async () => {
  await s.gateway?.close();
  await s.sms?.stop();
  for (const c of [s.smsNats, s.nats]) await c?.nc.close();
});

describe("gateway: readiness", () => {
  it("is alive but not ready while no control plane answers, and ready once one does", async () => {
    expect((await get("/healthz")).status).toBe(200);
    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(notReady.json.code).toBe("service_unavailable");

    s.smsNats = await connectTest(servers.nats.url);
    s.sms = await startSms(s.smsNats, parseConfig(SmsConfig, {}), defaultStreamSettings, testLog);
    const ready = await eventually(async () => {
      const r = await get("/readyz");
      return r.status === 200 ? r : undefined;
    });
    expect(ready.json.status).toBe("ready");
  });

  it("is not ready while NATS is away, and ready again when it is back", async () => {
    await servers.nats.kill();
    const away = await get("/readyz");
    expect(away.status).toBe(503);
    expect(away.json.code).toBe("nats_unreachable");
    expect((await get("/healthz")).status).toBe(200);

    await servers.nats.restart();
    await eventually(async () => ((await get("/readyz")).status === 200 ? true : undefined), 30_000, 200);
  });
});
