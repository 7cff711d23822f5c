import type { PlacementPolicy } from "../../events/function.js";
import { leastConnections } from "./least-connections.js";
import { loadAware } from "./load-aware.js";
import type { Policy } from "./policy.js";
import { powerOfK } from "./power-of-k.js";
import { roundRobin } from "./round-robin.js";
import { warmAffinity } from "./warm-affinity.js";
import { weightedRoundRobin } from "./weighted-round-robin.js";

export const policies: Readonly<Record<PlacementPolicy, Policy>> = {
  "round-robin": roundRobin,
  "least-connections": leastConnections,
  "weighted-round-robin": weightedRoundRobin,
  "load-aware": loadAware,
  "warm-affinity": warmAffinity,
  "power-of-k": powerOfK,
};

export type { Policy, PolicyInput } from "./policy.js";
