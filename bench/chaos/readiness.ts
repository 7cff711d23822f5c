import { api } from "../../domain/api/registry.js";
import { atNode, nodeAgentApi } from "../../domain/api/node-agent.js";
import { projectionRegistry } from "../../projections/registry.js";
import { projectionStatus } from "../../projections/status.js";
import { smsRequest } from "../../services/api/client.js";
import type { Nats } from "../../streams/connection.js";

/** A readiness check: true when ready; a check that throws or hangs counts as not yet. */
export type Check = () => Promise<boolean>;

async function within(check: Check, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` until it says yes; false when `timeoutMs` passes or `gaveUp()` says to stop
 * (the process exited, the harness is stopping) first. Bounded in time.
 */
export async function waitReady(check: Check, o: { timeoutMs: number; gaveUp?: () => boolean }): Promise<boolean> {
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline && !o.gaveUp?.()) {
    if (await within(check, 2_000)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export const smsAnswers =
  (nats: Nats): Check =>
  async () => {
    await smsRequest(nats.nc, api.cluster.stats, {}, { timeoutMs: 1_000 });
    return true;
  };

/** The projection workers' owner of every read model, by projection. */
export async function projectionOwners(nats: Nats): Promise<Map<string, string | null>> {
  const all = await Promise.all(projectionRegistry.map((p) => projectionStatus(nats.js, nats.jsm, p)));
  return new Map(all.map((s) => [s.name, s.owner]));
}

/** Every read model has an owner, and none is one of `before` (the owners of a worker that was killed). */
export const projectionsOwned =
  (nats: Nats, before?: ReadonlyMap<string, string | null>): Check =>
  async () => {
    const owners = await projectionOwners(nats);
    return [...owners].every(([name, owner]) => owner !== null && owner !== before?.get(name));
  };

/** The node answers its own health verb as healthy (serving and registered). */
export const spearletHealthy =
  (nats: Nats, nodeId: string): Check =>
  async () => (await smsRequest(nats.nc, atNode(nodeAgentApi.health, nodeId), {}, { timeoutMs: 1_000 })).healthy;

/** The control plane sees the node online, so schedulers place work there. */
export const nodeOnline =
  (nats: Nats, nodeId: string): Check =>
  async () => (await smsRequest(nats.nc, api.nodes.get, { nodeId }, { timeoutMs: 1_000 })).state === "online";

/** The service's log since its start has a line with this message. */
export const logSays =
  (log: () => string, msg: string): Check =>
  async () =>
    log().includes(`"msg":"${msg}"`);
