import type { clusterApi } from "../../../domain/api/cluster.js";
import { composeClusterStats } from "../../../projections/definitions/cluster-stats.js";
import { TOTALS_KEY } from "../../../projections/definitions/invocation-stats.js";
import type { SmsContext } from "../context.js";
import type { AreaHandlers } from "../../api/router.js";

export function clusterHandlers(sms: SmsContext): AreaHandlers<typeof clusterApi> {
  return {
    async stats(req) {
      const { models } = sms;
      await Promise.all([models.readAfter(models.nodes, req.minSeq), models.readAfter(models.functions, req.minSeq)]);
      return composeClusterStats({
        nodes: models.nodes.state.values(),
        usage: models.usage.state,
        functions: models.functions.state.values(),
        invocations: models.invocations.state.entries(),
        totals: models.invocations.state.get(TOTALS_KEY),
      });
    },
  };
}
