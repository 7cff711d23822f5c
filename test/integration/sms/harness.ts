import { afterAll, beforeAll } from "vitest";
import type { z } from "zod";
import type { AnyEndpoint, RequestOf, ResultOf } from "../../../domain/api/endpoint.js";
import { isSpearError } from "../../../domain/errors.js";
import { parseConfig } from "../../../services/config.js";
import { smsRequest } from "../../../services/api/client.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { startSms, type SmsService } from "../../../services/sms/service.js";
import { defaultStreamSettings, streamNames } from "../../../streams/catalog.js";
import type { Nats } from "../../../streams/connection.js";
import { decodeJson, encodeJson } from "../../../streams/json.js";
import { connectTest, testLog } from "../../support/nats.js";
import { useServers, type TestServer } from "../../support/servers.js";

/** One nats-server for the suite and `replicas` SMS replicas on their own connections. */
export function useSms(config: z.input<typeof SmsConfig> = {}, replicas = 1) {
  const servers = useServers({ nats: true });
  const state: { nats?: Nats; extra: Nats[]; services: SmsService[] } = { extra: [], services: [] };
  beforeAll(async () => {
    state.nats = await connectTest(servers.nats.url);
    const parsed = parseConfig(SmsConfig, config);
    for (let i = 0; i < replicas; i++) {
      const conn = i === 0 ? state.nats : await connectTest(servers.nats.url);
      if (i > 0) state.extra.push(conn);
      state.services.push(await startSms(conn, parsed, defaultStreamSettings, testLog));
    }
  });
  afterAll(async () => {
    for (const s of state.services) await s.stop();
    for (const n of [...state.extra, state.nats]) await n?.nc.close();
  });
  const nats = () => {
    if (!state.nats) throw new Error("the suite's SMS is not started");
    return state.nats;
  };
  return {
    get server(): TestServer {
      return servers.nats;
    },
    get nats(): Nats {
      return nats();
    },
    call: <E extends AnyEndpoint>(endpoint: E, request: RequestOf<E>): Promise<ResultOf<E>> => smsRequest(nats().nc, endpoint, request),
    /** The error code a call fails with ("ok" when it succeeds). */
    async codeOf<E extends AnyEndpoint>(endpoint: E, request: RequestOf<E>): Promise<string> {
      try {
        await smsRequest(nats().nc, endpoint, request);
        return "ok";
      } catch (e) {
        if (isSpearError(e)) return e.code;
        throw e;
      }
    },
    /** A request as any NATS client could send it, unchecked by the typed client. */
    async raw(subject: string, body: string | object): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string; details?: unknown } }> {
      const data = typeof body === "string" ? new TextEncoder().encode(body) : encodeJson(body);
      const msg = await nats().nc.request(subject, data, { timeout: 10_000 });
      return decodeJson(msg.data) as { ok: boolean };
    },
    /** The last sequence of the control-event stream: unchanged after a refused command. */
    async lastEventSeq(): Promise<number> {
      return (await nats().jsm.streams.info(streamNames.events)).state.last_seq;
    },
  };
}
