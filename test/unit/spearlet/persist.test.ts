import { describe, expect, it } from "vitest";
import { SpearError } from "../../../domain/errors.js";
import { persist } from "../../../services/spearlet/agent/persist.js";

/** Stands in for the connection's reconnects: `reconnect()` fires what waits for the next one. */
class Reconnecting {
  readonly listeners = new Set<() => void>();
  once(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  reconnect(): void {
    const all = [...this.listeners];
    this.listeners.clear();
    for (const l of all) l();
  }
}

const never = <T>() => new Promise<T>(() => undefined);
const outage = () => new SpearError("nats_unreachable", "NATS is away");

describe("persist: waiting out an outage", () => {
  it("leaves a try that the reconnect cut off and tries again at once", async () => {
    const r = new Reconnecting();
    let tries = 0;
    const done = persist(() => (++tries === 1 ? never<string>() : Promise.resolve("recorded")), r);
    await Promise.resolve();
    expect(tries).toBe(1);
    r.reconnect();
    await expect(done).resolves.toBe("recorded");
    expect(tries).toBe(2);
    expect(r.listeners.size).toBe(0);
  });

  it("ends its backoff when the connection is back", async () => {
    const r = new Reconnecting();
    const started = Date.now();
    let tries = 0;
    // Three outages in a row would wait 200 + 400 ms; each reconnect cuts the wait short.
    const done = persist(() => (++tries <= 3 ? Promise.reject(outage()) : Promise.resolve(tries)), r);
    for (let i = 0; i < 3; i++) {
      await new Promise((ok) => setTimeout(ok, 10));
      r.reconnect();
    }
    await expect(done).resolves.toBe(4);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it("fails at once on what is no outage, and leaves no listener behind", async () => {
    const r = new Reconnecting();
    await expect(persist(() => Promise.reject(new SpearError("invalid_argument", "bad")), r)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(persist(() => Promise.resolve(1), r)).resolves.toBe(1);
    expect(r.listeners.size).toBe(0);
  });
});
