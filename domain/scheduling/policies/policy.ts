import type { NodeFilter } from "../node-filter.js";
import type { NodeIndex } from "../node-index.js";
import type { NodeTable } from "../node-table.js";
import type { PlaceOptions } from "../options.js";
import type { PolicyState } from "../policy-state.js";
import type { SnapshotPool } from "../snapshot-pools.js";
import type { Rng } from "../random.js";

/** What a level-2 policy gets to choose from one pool. */
export interface PolicyInput {
  readonly pool: SnapshotPool;
  readonly table: NodeTable;
  readonly filter: NodeFilter;
  /** How many more candidates the decision wants. */
  readonly need: number;
  /** `function@version`, for warm-instance affinity. */
  readonly warmKey: string;
  readonly nodeIndex: NodeIndex;
  readonly state: PolicyState;
  readonly rng: Rng;
  readonly options: PlaceOptions;
}

/**
 * A policy returns up to `need` node numbers of the pool, best first, each accepted by the
 * filter and marked taken. It reads only its input and the injected cursors and random draws.
 */
export type Policy = (input: PolicyInput) => number[];
