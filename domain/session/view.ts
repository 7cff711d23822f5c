import { z } from "zod";
import type { RecordedEvent } from "../events/envelope.js";
import { Instant, LanguagePair, PoolId, SessionId, TenantId } from "../ids.js";

/** A session's affinity as the scheduler reads it (the session table's document). */
export const SessionView = z.object({
  id: SessionId,
  /** The preferred pool; null once the session ended. */
  poolId: PoolId.nullable(),
  langPair: LanguagePair.nullable(),
  tenant: TenantId.nullable(),
  ended: z.boolean(),
  endReason: z.enum(["ended", "expired"]).nullable(),
  boundAt: Instant,
  /** The last bind or rebind: the sweeper expires sessions idle past their TTL from here. */
  lastBoundAt: Instant,
  endedAt: Instant.nullable(),
  rebinds: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
});
export type SessionView = z.infer<typeof SessionView>;

export function evolveSessionView(view: SessionView | undefined, event: RecordedEvent): SessionView | undefined {
  const at = event.meta.occurredAt;
  const version = event.position.seq;
  switch (event.type) {
    case "SessionBound":
      return {
        id: event.meta.aggregateId,
        poolId: event.data.poolId,
        langPair: event.data.langPair ?? null,
        tenant: event.data.tenant ?? null,
        ended: false,
        endReason: null,
        boundAt: at,
        lastBoundAt: at,
        endedAt: null,
        rebinds: 0,
        version,
      };
    case "SessionRebound":
      if (!view) return view;
      return { ...view, poolId: event.data.poolId, langPair: event.data.langPair ?? view.langPair, lastBoundAt: at, rebinds: view.rebinds + 1, version };
    case "SessionEnded":
      if (!view) return view;
      return { ...view, poolId: null, ended: true, endReason: event.data.reason, endedAt: at, version };
    default:
      return view;
  }
}
