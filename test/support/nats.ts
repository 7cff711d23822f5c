import { connectNats, type Nats } from "../../streams/connection.js";
import { defaultStreamSettings, type StreamSettings } from "../../streams/catalog.js";
import { ensureStreams } from "../../streams/ensure.js";
import { createLogger } from "../../services/logger.js";

export const testLog = createLogger({ level: (process.env.SPEAR_TEST_LOG_LEVEL as "info" | undefined) ?? "silent", pretty: false });

/** A connection for a test, with Spear's streams in place. */
export async function connectTest(url: string, settings: Partial<StreamSettings> = {}): Promise<Nats> {
  const nats = await connectNats({ url, name: "spear-test", longLived: true });
  await ensureStreams(nats.jsm, { ...defaultStreamSettings, ...settings });
  return nats;
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. Bounded in time and count. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}
