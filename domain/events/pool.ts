import { z } from "zod";
import { LanguagePair, PoolId, TenantId } from "../ids.js";

export const PoolLanguages = z.object({
  anyToAny: z.boolean().default(false),
  sources: z.array(z.string().min(1).max(32)).default([]),
  targets: z.array(z.string().min(1).max(32)).default([]),
  pairs: z.array(LanguagePair).default([]),
  blocked: z.array(LanguagePair).default([]),
});
export type PoolLanguages = z.infer<typeof PoolLanguages>;

export const PoolDefinition = z.object({
  name: z.string().min(1).max(128),
  requiredServices: z.array(z.string().min(1).max(64)).default([]),
  languages: PoolLanguages.default({ anyToAny: true, sources: [], targets: [], pairs: [], blocked: [] }),
  matchMode: z.enum(["contains", "exact"]).default("contains"),
  generated: z.boolean().default(false),
});
export type PoolDefinition = z.infer<typeof PoolDefinition>;

export const PoolDefined = PoolDefinition;
export const PoolUpdated = PoolDefinition;
export const PoolRemoved = z.object({});

/** Cluster-wide pool settings live on the reserved aggregate id `_settings`. */
export const POOL_SETTINGS_ID = "_settings";
export const PoolSettingsChanged = z.object({
  strict: z.boolean(),
  autoGenerate: z.boolean(),
  tenantOverrides: z.record(TenantId, z.array(PoolId)).default({}),
});
