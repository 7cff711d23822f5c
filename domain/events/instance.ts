import { z } from "zod";
import { FunctionName, InstanceId, Instant, NodeId } from "../ids.js";

export const InstanceState = z.enum([
  "Initializing",
  "WarmingUp",
  "Ready",
  "Executing",
  "CoolingDown",
  "Paused",
  "Error",
  "Terminating",
  "Terminated",
]);
export type InstanceState = z.infer<typeof InstanceState>;

/** Spearlets report these inside batched status reports, not on subjects of their own. */
export const InstanceStateChanged = z.object({
  nodeId: NodeId,
  instanceId: InstanceId,
  function: FunctionName,
  version: z.number().int().min(1),
  from: InstanceState.nullable(),
  to: InstanceState,
  reason: z.string().max(512).optional(),
  at: Instant,
});
export type InstanceStateChanged = z.infer<typeof InstanceStateChanged>;
