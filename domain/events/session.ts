import { z } from "zod";
import { LanguagePair, PoolId, TenantId } from "../ids.js";

export const SessionBound = z.object({
  poolId: PoolId,
  langPair: LanguagePair.optional(),
  tenant: TenantId.optional(),
});
export const SessionRebound = z.object({
  poolId: PoolId,
  previousPoolId: PoolId,
  langPair: LanguagePair.optional(),
});
export const SessionEnded = z.object({ reason: z.enum(["ended", "expired"]) });
