import { JetStreamApiError } from "@nats-io/jetstream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpearError } from "../../../domain/errors.js";
import type { Nats } from "../../../streams/connection.js";
import { throughOutages } from "../../../streams/through-outages.js";
import { connectTest } from "../../support/nats.js";
import { useServers } from "../../support/servers.js";

const servers = useServers({ nats: true });
let nats: Nats;
beforeAll(async () => {
  nats = await connectTest(servers.nats.url);
});
afterAll(async () => nats?.nc.close());

/** A logger whose lines the test can read. */
function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe("a start-up step while nats-server is away", () => {
  it("throws a failure that is no outage at once", async () => {
    const { log, lines } = recordingLog();
    const error = await throughOutages("read a stream", () => nats.jsm.streams.info("NO_SUCH_STREAM"), { log }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JetStreamApiError);
    expect(lines).toHaveLength(0);
  });

  it("is tried again until the server is back, with one warning", async () => {
    const { log, lines } = recordingLog();
    await servers.nats.kill();
    const step = throughOutages("read the events stream", () => nats.jsm.streams.info("SPEAR_EVENTS"), { log });
    await new Promise((r) => setTimeout(r, 1_500));
    await servers.nats.restart();
    const info = await step;
    expect(info.config.name).toBe("SPEAR_EVENTS");
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines.at(-1)?.msg).toBe("start-up step done after the outage");
  });

  it("ends with `cancelled` when a stop is asked for", async () => {
    const { log } = recordingLog();
    const stop = new AbortController();
    await servers.nats.kill();
    try {
      const step = throughOutages("read the events stream", () => nats.jsm.streams.info("SPEAR_EVENTS"), { log, signal: stop.signal });
      setTimeout(() => stop.abort(), 500);
      const error = await step.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSpearError(error, "cancelled")).toBe(true);
    } finally {
      await servers.nats.restart();
    }
  });
});
