import { z } from "zod";
import { FunctionName, Instant } from "../ids.js";
import { InstanceStateChanged } from "./instance.js";
import { InvocationOutcome } from "./invocation.js";

export const ResourceUsage = z.object({
  cpuPercent: z.number().min(0),
  memoryMb: z.number().min(0),
  memoryPercent: z.number().min(0).max(100),
  load1: z.number().min(0),
  running: z.number().int().min(0),
  slots: z.number().int().min(0),
});
export type ResourceUsage = z.infer<typeof ResourceUsage>;

export const InstanceSummary = z.object({
  function: FunctionName,
  version: z.number().int().min(1),
  ready: z.number().int().min(0),
  busy: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type InstanceSummary = z.infer<typeof InstanceSummary>;

/**
 * One message on `spear.status.<nodeId>`: a heartbeat with usage, plus whatever instance
 * transitions and invocation outcomes happened since the last report.
 */
export const NodeStatusReported = z.object({
  reportSeq: z.number().int().min(0),
  at: Instant,
  usage: ResourceUsage,
  instances: z.array(InstanceSummary).default([]),
  transitions: z.array(InstanceStateChanged).default([]),
  outcomes: z.array(InvocationOutcome).default([]),
  draining: z.boolean().default(false),
});
export type NodeStatusReported = z.infer<typeof NodeStatusReported>;
