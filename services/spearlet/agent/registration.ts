import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { z } from "zod";
import { api } from "../../../domain/api/registry.js";
import type { RegisterNode } from "../../../domain/node/commands.js";
import { hasRetryClass, isSpearError } from "../../../domain/errors.js";
import { smsRequest } from "../../api/client.js";

/** The drain reason a spearlet gives when it stops; on its next start it lifts only a drain of its own. */
export const SELF_DRAIN_REASON = "spearlet stopped";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * The node's registration with the control plane. The SMS may start after the spearlet, so
 * registering is retried with backoff (logged once) until it answers or refuses with a `final`
 * code; registering again with the same facts changes nothing. A drain this node's own
 * previous stop left is lifted once registered; a drain an operator asked for stays.
 */
export class Registration {
  readonly #nc: NatsConnection;
  readonly #facts: z.input<typeof RegisterNode>;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #registered = false;
  #running: Promise<void> | undefined;

  constructor(nc: NatsConnection, facts: z.input<typeof RegisterNode>, log: Logger) {
    this.#nc = nc;
    this.#facts = facts;
    this.#log = log.child({ part: "registration" });
  }

  get registered(): boolean {
    return this.#registered;
  }

  /** Registers in the background until it succeeds; the promise settles then (or at stop). */
  start(): Promise<void> {
    this.#running ??= this.#register();
    return this.#running;
  }

  /**
   * Marks the node drained (the scheduler stops placing here), retrying until `deadline`
   * (epoch ms) or until `signal` fires. True once the control plane has it.
   */
  async markDrained(deadline: number, signal?: AbortSignal): Promise<boolean> {
    const nodeId = this.#facts.nodeId;
    for (let wait = 100, logged = false; !signal?.aborted; wait = Math.min(wait * 2, 2_000)) {
      try {
        await smsRequest(this.#nc, api.nodes.drain, { nodeId, reason: SELF_DRAIN_REASON }, { timeoutMs: Math.max(500, Math.min(5_000, deadline - Date.now())) });
        this.#log.info({ nodeId }, "node marked drained");
        return true;
      } catch (e) {
        if (isSpearError(e, "node_already_draining")) return true;
        if (hasRetryClass(e, "final")) {
          this.#log.warn({ err: e, nodeId }, "the control plane refused to mark the node drained");
          return false;
        }
        if (!logged) this.#log.warn({ err: e, nodeId }, "cannot reach the control plane to mark the node drained; retrying until the drain deadline");
        logged = true;
      }
      if (Date.now() + wait >= deadline) return false;
      await (signal ? sleep(wait, signal) : new Promise((r) => setTimeout(r, wait)));
    }
    return false;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
  }

  async #register(): Promise<void> {
    const signal = this.#abort.signal;
    const nodeId = this.#facts.nodeId;
    for (let wait = 200, logged = false; !signal.aborted; wait = Math.min(wait * 2, 5_000)) {
      try {
        const { node } = await smsRequest(this.#nc, api.nodes.register, this.#facts);
        this.#registered = true;
        this.#log.info({ nodeId, state: node.state, runtimes: node.capabilities.runtimes, slots: node.capacity.slots }, "node registered");
        if (node.draining && node.drainReason === SELF_DRAIN_REASON) await this.#undrain();
        return;
      } catch (e) {
        if (hasRetryClass(e, "final")) {
          this.#log.error({ err: e, nodeId }, "the control plane refused the registration; this node gets no work");
          return;
        }
        if (!logged) this.#log.warn({ err: e, nodeId }, "cannot register with the control plane yet (is 'spear sms' running?); retrying");
        logged = true;
      }
      await sleep(wait, signal);
    }
  }

  async #undrain(): Promise<void> {
    const nodeId = this.#facts.nodeId;
    try {
      await smsRequest(this.#nc, api.nodes.undrain, { nodeId });
      this.#log.info({ nodeId }, "lifted the drain this node's last stop left");
    } catch (e) {
      if (!isSpearError(e, "node_not_draining")) this.#log.warn({ err: e, nodeId }, "could not lift the drain of this node's last stop");
    }
  }
}
