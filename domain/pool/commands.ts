import { z } from "zod";
import { PoolLanguages } from "../events/pool.js";
import { PoolId, TenantId } from "../ids.js";

/** A pool as an operator writes it: everything of `PoolDefinition` except `generated`. */
export const PoolSpec = z.object({
  name: z.string().min(1).max(128),
  requiredServices: z.array(z.string().min(1).max(64)).default([]),
  languages: PoolLanguages.default({ anyToAny: true, sources: [], targets: [], pairs: [], blocked: [] }),
  matchMode: z.enum(["contains", "exact"]).default("contains"),
});
export type PoolSpec = z.infer<typeof PoolSpec>;

export const PoolSettings = z.object({
  /** The scheduler refuses a request that no pool fits instead of placing it on any capable node. */
  strict: z.boolean(),
  /** Pools are also generated from the language sets that nodes advertise. */
  autoGenerate: z.boolean(),
  /** tenant → the only pools its requests may use, in order of preference. */
  tenantOverrides: z.record(TenantId, z.array(PoolId)),
});
export type PoolSettings = z.infer<typeof PoolSettings>;
export const defaultPoolSettings: PoolSettings = { strict: false, autoGenerate: false, tenantOverrides: {} };

/** Defines a pool, or changes it; the same definition again changes nothing. */
export const DefinePool = z.object({ poolId: PoolId, spec: PoolSpec });
export const RemovePool = z.object({ poolId: PoolId });
/** Changes the settings named; the others keep their value. */
export const ChangePoolSettings = z.object({
  strict: z.boolean().optional(),
  autoGenerate: z.boolean().optional(),
  tenantOverrides: z.record(TenantId, z.array(PoolId)).optional(),
});

type Cmd<T extends string, S extends z.ZodType> = { readonly type: T } & z.output<S>;
export type DefinePoolCommand = Cmd<"DefinePool", typeof DefinePool>;
export type RemovePoolCommand = Cmd<"RemovePool", typeof RemovePool>;
export type ChangePoolSettingsCommand = Cmd<"ChangePoolSettings", typeof ChangePoolSettings>;
export type PoolCommand = DefinePoolCommand | RemovePoolCommand;

/** The file `spear pools apply` reads (JSON or YAML): pools by id and, optionally, settings. */
export const PoolsDocument = z.object({
  settings: ChangePoolSettings.optional(),
  pools: z.array(PoolSpec.extend({ id: PoolId })).default([]),
  /** Remove configured pools that the document does not list. */
  prune: z.boolean().default(false),
});
export type PoolsDocument = z.infer<typeof PoolsDocument>;
