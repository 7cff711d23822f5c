import { expect } from "vitest";
import type { ErrorCode } from "../../../domain/errors.js";
import { errorCatalog } from "../../../domain/errors.js";
import { defaultPlaceOptions, type PlaceOptions } from "../../../domain/scheduling/options.js";
import { place, type Placement, type PlacementDecision, type PlacementRequest, type RefusalCode } from "../../../domain/scheduling/place.js";
import { PolicyState } from "../../../domain/scheduling/policy-state.js";
import { seededRng, type Rng } from "../../../domain/scheduling/random.js";
import type { SessionBinding } from "../../../domain/scheduling/session-binding.js";
import type { SnapshotBuilder } from "../../../domain/scheduling/snapshot-builder.js";
import type { RuntimeSnapshot } from "../../../domain/scheduling/snapshot.js";

/**
 * given(snapshot).when(request).then…: placement decisions as specifications over a
 * hand-built snapshot. The same `given` keeps its cursors across `when`s, like one scheduler.
 */
export function given(snapshot: SnapshotBuilder | RuntimeSnapshot, opts: { options?: Partial<PlaceOptions>; rng?: Rng } = {}) {
  const snap = "build" in snapshot ? snapshot.build() : snapshot;
  const ctx = { state: new PolicyState(), rng: opts.rng ?? seededRng(7), options: { ...defaultPlaceOptions, ...opts.options } };
  const placed = (d: PlacementDecision): Placement => {
    if (!d.ok) throw new Error(`expected a placement, got refusal ${d.code}: ${d.message}`);
    return d;
  };
  return {
    snapshot: snap,
    ctx,
    when(req: PlacementRequest | string) {
      const decision = place(snap, typeof req === "string" ? { function: req } : req, ctx);
      return {
        decision,
        /** The candidate node ids, in order. */
        thenCandidates: (ids: readonly string[]) => expect(placed(decision).candidates.map((c) => c.nodeId)).toEqual(ids),
        thenFirst: (id: string) => expect(placed(decision).candidates[0]?.nodeId).toBe(id),
        thenPools: (ids: readonly (string | null)[]) => expect(placed(decision).candidates.map((c) => c.poolId)).toEqual(ids),
        thenBinding: (b: SessionBinding | null) => expect(placed(decision).binding).toEqual(b),
        thenRefused: (code: RefusalCode) => {
          expect(decision.ok, `expected refusal ${code}`).toBe(false);
          expect((decision as { code: string }).code).toBe(code);
          expect(Object.hasOwn(errorCatalog, code as ErrorCode), `${code} is in the error catalog`).toBe(true);
          return decision as Extract<PlacementDecision, { ok: false }>;
        },
        placement: () => placed(decision),
      };
    },
    /** The first candidate of `n` identical requests, one after the other. */
    firstOf(req: PlacementRequest | string, n: number): string[] {
      return Array.from({ length: n }, () => placed(place(snap, typeof req === "string" ? { function: req } : req, ctx)).candidates[0]!.nodeId);
    },
  };
}
