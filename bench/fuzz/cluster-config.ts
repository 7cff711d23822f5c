import type { NatsConnection } from "@nats-io/transport-node";
import { api } from "../../domain/api/registry.js";
import { smsRequest } from "../../services/api/client.js";

/**
 * Valid commands among the fuzzed ones change the cluster's configuration on purpose (a pool
 * that admits what no node offers, strict mode). Before the normal calls that end the run, the
 * pool configuration goes back to what it was, so those calls test the system, not the fuzz's
 * choice of pools.
 */
export async function poolSettingsNow(nc: NatsConnection) {
  return smsRequest(nc, api.pools.settings, {});
}

export async function restorePools(nc: NatsConnection, settings: Awaited<ReturnType<typeof poolSettingsNow>>): Promise<void> {
  await smsRequest(nc, api.pools.apply, { pools: [], prune: true, settings });
}
