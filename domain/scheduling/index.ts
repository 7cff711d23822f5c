/** The scheduler's placement decision: pure, synchronous, over an immutable runtime snapshot. */
export { place, refusalError, type Candidate, type PlaceContext, type Placement, type PlacementDecision, type PlacementRequest, type Refusal, type RefusalCode } from "./place.js";
export { PlaceOptions, defaultPlaceOptions } from "./options.js";
export { PolicyState } from "./policy-state.js";
export { seededRng, type Rng } from "./random.js";
export type { SessionBinding } from "./session-binding.js";
export {
  createSnapshot,
  nodeOf,
  updateSnapshot,
  defaultSettings,
  type Lookup,
  type PlacementSpec,
  type RuntimeSnapshot,
  type SchedulingSettings,
  type SnapshotChange,
  type SnapshotFunction,
  type SnapshotInput,
  type SnapshotSession,
} from "./snapshot.js";
export { snapshotNode, warmKey, type SchedulingNodeState, type SchedulingNodeInput, type SnapshotNode } from "./snapshot-node.js";
export type { PoolView, SnapshotPool } from "./snapshot-pools.js";
export type { RejectReason } from "./node-filter.js";
export type { NodeTable } from "./node-table.js";
export { snapshotBuilder, SnapshotBuilder, type FunctionSketch, type NodeSketch, type PoolSketch } from "./snapshot-builder.js";
