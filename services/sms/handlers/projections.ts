import type { projectionsApi } from "../../../domain/api/projections.js";
import { projectionRegistry } from "../../../projections/registry.js";
import { projectionStatus } from "../../../projections/status.js";
import type { Nats } from "../../../streams/connection.js";
import type { AreaHandlers } from "../../api/router.js";

/**
 * The projections' progress, read from where their workers keep it (each read model's
 * checkpoint and owner, each durable consumer's pending count), so that a client without
 * rights on those buckets and consumers (the gateway, the console) can show it.
 */
export function projectionsHandlers(nats: Nats): AreaHandlers<typeof projectionsApi> {
  return {
    async status() {
      const all = await Promise.all(projectionRegistry.map((p) => projectionStatus(nats.js, nats.jsm, p)));
      return { projections: all.map((s, i) => ({ ...s, description: projectionRegistry[i]!.description })) };
    },
  };
}
