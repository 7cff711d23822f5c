import { z } from "zod";
import { Labels, LanguagePair, RuntimeKind, Sha256 } from "../ids.js";

export const PlacementPolicy = z.enum([
  "round-robin",
  "least-connections",
  "weighted-round-robin",
  "load-aware",
  "warm-affinity",
  "power-of-k",
]);
export type PlacementPolicy = z.infer<typeof PlacementPolicy>;

export const ArtifactRef = z.object({ sha256: Sha256, size: z.number().int().nonnegative() });
export type ArtifactRef = z.infer<typeof ArtifactRef>;

export const FunctionRequirements = z.object({
  services: z.array(z.string().min(1).max(64)).default([]),
  langPair: LanguagePair.optional(),
  labels: Labels.default({}),
});

export const FunctionLimits = z.object({
  timeoutMs: z.number().int().min(1).max(3_600_000).default(30_000),
  memoryMb: z.number().int().min(1).max(65_536).default(128),
  maxConcurrency: z.number().int().min(1).max(10_000).default(16),
  /**
   * WebAssembly only: the CPU bound of one call, in fuel units (one per function entry and per
   * loop iteration the guest runs). Unset: the spearlet's default. Unlike the timeout it counts
   * the guest's own work, so a busy node does not make it run out sooner.
   */
  fuel: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

export const FunctionScaling = z.object({
  minWarm: z.number().int().min(0).max(1_000).default(0),
  maxInstances: z.number().int().min(1).max(10_000).default(16),
  idleTtlMs: z.number().int().min(1_000).default(300_000),
});

/** What a function may touch beyond its own code and input; everything is denied unless granted. */
export const FunctionGrants = z.object({
  /** WebAssembly: the function's `env` is visible to the guest (process and container functions always get their `env`). */
  env: z.boolean().default(false),
  /** WebAssembly: host folders the guest may open, by the path it sees them at. */
  preopens: z.record(z.string(), z.string()).default({}),
  /** Process and container functions: the host's network (otherwise only a loopback interface of their own). */
  network: z.boolean().default(false),
});

/** A deployed version; immutable once its event is written. */
export const FunctionSpec = z
  .object({
    runtime: RuntimeKind,
    artifact: ArtifactRef.optional(),
    image: z.string().min(1).max(512).optional(),
    command: z.array(z.string()).optional(),
    entry: z.string().max(256).optional(),
    mode: z.enum(["warm", "per-call"]).default("warm"),
    env: z.record(z.string(), z.string()).default({}),
    requirements: FunctionRequirements.default({ services: [], labels: {} }),
    limits: FunctionLimits.default({ timeoutMs: 30_000, memoryMb: 128, maxConcurrency: 16 }),
    scaling: FunctionScaling.default({ minWarm: 0, maxInstances: 16, idleTtlMs: 300_000 }),
    policy: PlacementPolicy.optional(),
    grants: FunctionGrants.default({ env: false, preopens: {}, network: false }),
  })
  .superRefine((s, ctx) => {
    if (s.runtime === "wasm" && !s.artifact) ctx.addIssue({ code: "custom", message: "a wasm function needs an artifact" });
    if (s.runtime === "container" && !s.image) ctx.addIssue({ code: "custom", message: "a container function needs an image" });
    if (s.runtime === "process" && !s.command?.length && !s.artifact)
      ctx.addIssue({ code: "custom", message: "a process function needs a command or an artifact" });
  });
export type FunctionSpec = z.infer<typeof FunctionSpec>;

export const FunctionVersionDeployed = z.object({
  version: z.number().int().min(1),
  spec: FunctionSpec,
  activate: z.boolean(),
});
export const FunctionUpdated = z.object({
  description: z.string().max(1024).optional(),
  labels: Labels.optional(),
});
export const FunctionVersionActivated = z.object({ version: z.number().int().min(1) });
export const FunctionDeactivated = z.object({});
export const FunctionDeleted = z.object({});
