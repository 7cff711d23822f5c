import type { z } from "zod";
import type { PoolChange, PoolEntry, poolsApi, PoolSummary } from "../../../domain/api/pools.js";
import { isSpearError, SpearError } from "../../../domain/errors.js";
import { POOL_SETTINGS_ID } from "../../../domain/events/pool.js";
import type { PoolsDocument } from "../../../domain/pool/commands.js";
import { poolDecider, poolSettingsDecider } from "../../../domain/pool/decider.js";
import type { PoolDoc } from "../../../domain/pool/index-docs.js";
import { readPoolIndex } from "../../../domain/pool/index-read.js";
import { execute, type SmsContext } from "../context.js";
import { paginateOrdered } from "../../api/paging.js";
import type { AreaHandlers, RequestContext } from "../../api/router.js";

const summary = (p: PoolDoc): PoolSummary => ({
  id: p.id,
  definition: p.definition,
  generated: p.generated,
  languages: p.languages === null ? null : [...p.languages],
  memberCount: p.members.length,
});
const entry = (p: PoolDoc): PoolEntry => ({ ...summary(p), members: [...p.members] });

/** Refuses a document that would leave the cluster inconsistent, before anything is written. */
function validate(doc: PoolsDocument, known: ReadonlySet<string>, configured: readonly string[]): void {
  const ids = doc.pools.map((p) => p.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new SpearError("invalid_argument", `pool '${dup}' appears twice in the document`, { poolId: dup });
  const remaining = new Set([...known, ...ids]);
  if (doc.prune) for (const id of configured) if (!ids.includes(id)) remaining.delete(id);
  for (const [tenant, pools] of Object.entries(doc.settings?.tenantOverrides ?? {})) {
    const missing = pools.find((p) => !remaining.has(p));
    if (missing) {
      throw new SpearError("pool_not_found", `tenant '${tenant}' is sent to pool '${missing}', which neither exists nor is in the document`, {
        tenant,
        poolId: missing,
      });
    }
  }
}

export function poolsHandlers(sms: SmsContext): AreaHandlers<typeof poolsApi> {
  const index = () => readPoolIndex(sms.models.pools.state);
  const define = async (p: PoolsDocument["pools"][number], ctx: RequestContext) => {
    const { id: poolId, ...spec } = p;
    const r = await execute(sms, { type: "pool", id: poolId }, poolDecider, { type: "DefinePool", poolId, spec }, ctx);
    const action: z.infer<typeof PoolChange>["action"] = r.events[0]?.type === "PoolDefined" ? "created" : r.events[0] ? "updated" : "unchanged";
    return { change: { poolId, action }, seq: r.version };
  };
  return {
    async list(req) {
      await sms.models.readAfter(sms.models.pools, req.minSeq);
      const page = paginateOrdered(index().pools(), req);
      return { ...page, items: page.items.map(summary) };
    },
    async get(req) {
      await sms.models.readAfter(sms.models.pools, req.minSeq);
      const p = index().pool(req.poolId);
      if (!p) throw new SpearError("pool_not_found", `no pool '${req.poolId}' (configured or auto-generated)`, { poolId: req.poolId });
      return entry(p);
    },
    async settings(req) {
      await sms.models.readAfter(sms.models.pools, req.minSeq);
      return index().settings();
    },
    async index(req) {
      await sms.models.readAfter(sms.models.pools, req.minSeq);
      return index().index();
    },
    async apply(req, ctx) {
      // Validation and pruning judge by the pools that exist now, not by a lagging replica's view.
      await sms.models.caughtUp(sms.models.pools);
      const pools = index().pools();
      const configured = pools.filter((p) => !p.generated).map((p) => p.id);
      validate(req, new Set(pools.map((p) => p.id)), configured);
      const changes: z.infer<typeof PoolChange>[] = [];
      let seq = 0;
      for (const p of req.pools) {
        const r = await define(p, ctx);
        changes.push(r.change);
        seq = Math.max(seq, r.seq);
      }
      if (req.prune) {
        for (const poolId of configured.filter((id) => !req.pools.some((p) => p.id === id))) {
          try {
            const r = await execute(sms, { type: "pool", id: poolId }, poolDecider, { type: "RemovePool", poolId }, ctx);
            seq = Math.max(seq, r.version);
            changes.push({ poolId, action: "removed" });
          } catch (e) {
            // Removed by someone else since we looked: the document's wish holds anyway.
            if (!isSpearError(e, "pool_not_found")) throw e;
          }
        }
      }
      let settings: "changed" | "unchanged" = "unchanged";
      if (req.settings) {
        const r = await execute(sms, { type: "pool", id: POOL_SETTINGS_ID }, poolSettingsDecider, { type: "ChangePoolSettings", ...req.settings }, ctx);
        if (r.events.length > 0) settings = "changed";
        seq = Math.max(seq, r.version);
      }
      return { pools: changes, settings, seq };
    },
    async remove(req, ctx) {
      const r = await execute(sms, { type: "pool", id: req.poolId }, poolDecider, { type: "RemovePool", poolId: req.poolId }, ctx);
      return { poolId: req.poolId, seq: r.version };
    },
  };
}
