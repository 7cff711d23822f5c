import { z } from "zod";
import { Instant, Labels, RuntimeKind } from "../ids.js";

export const NodeCapabilities = z.object({
  runtimes: z.array(RuntimeKind).min(1),
  services: z.array(z.string().min(1).max(64)).default([]),
  languages: z.array(z.string().min(1).max(32)).default([]),
  labels: Labels.default({}),
});
export type NodeCapabilities = z.infer<typeof NodeCapabilities>;

export const NodeCapacity = z.object({
  slots: z.number().int().min(1).max(100_000),
  cpuCores: z.number().positive().optional(),
  memoryMb: z.number().int().positive().optional(),
});
export type NodeCapacity = z.infer<typeof NodeCapacity>;

/** v1 kept slots and languages at the top level; v2 groups them (see the upcaster in catalog.ts). */
export const NodeRegisteredV1 = z.object({
  name: z.string().min(1).max(128),
  slots: z.number().int().min(1),
  runtimes: z.array(RuntimeKind).min(1),
  languages: z.array(z.string()).default([]),
});

export const NodeRegistered = z.object({
  name: z.string().min(1).max(128),
  capabilities: NodeCapabilities,
  capacity: NodeCapacity,
});

export const NodeUpdated = z
  .object({ name: z.string().min(1).max(128).optional(), capabilities: NodeCapabilities.optional(), capacity: NodeCapacity.optional() })
  .refine((u) => u.name !== undefined || u.capabilities !== undefined || u.capacity !== undefined, "an update must change the name, capabilities or capacity");

export const NodeDrained = z.object({ reason: z.string().max(256).optional() });
export const NodeUndrained = z.object({});
export const NodeDeregistered = z.object({ reason: z.string().max(256).optional() });
export const NodeLost = z.object({ lastSeenAt: Instant.nullable(), timeoutMs: z.number().int().positive() });
export const NodeRecovered = z.object({ seenAt: Instant });
