import type { sessionsApi } from "../../../domain/api/sessions.js";
import { SpearError } from "../../../domain/errors.js";
import type { SessionCommand } from "../../../domain/session/commands.js";
import { sessionDecider } from "../../../domain/session/decider.js";
import { readPoolIndex } from "../../../domain/pool/index-read.js";
import { execute, type SmsContext } from "../context.js";
import { paginate } from "../../api/paging.js";
import type { AreaHandlers, RequestContext } from "../../api/router.js";

export function sessionsHandlers(sms: SmsContext): AreaHandlers<typeof sessionsApi> {
  const viewOf = (sessionId: string) => {
    const view = sms.models.sessions.state.get(sessionId);
    if (!view) throw new SpearError("session_not_found", `no session '${sessionId}'`, { sessionId });
    return view;
  };
  const run = async (command: SessionCommand, ctx: RequestContext) => {
    const r = await execute(sms, { type: "session", id: command.sessionId }, sessionDecider, command, ctx);
    return { session: viewOf(command.sessionId), seq: r.version };
  };
  return {
    async bind(req, ctx) {
      const known = () => readPoolIndex(sms.models.pools.state).pool(req.poolId) !== undefined;
      // A pool defined a moment ago through another replica may not be folded here yet.
      if (!known()) await sms.models.caughtUp(sms.models.pools);
      if (!known()) {
        throw new SpearError("pool_not_found", `no pool '${req.poolId}' (configured or auto-generated)`, { poolId: req.poolId });
      }
      return run({ type: "BindSession", ...req }, ctx);
    },
    end: (req, ctx) => run({ type: "EndSession", ...req }, ctx),
    async get(req) {
      await sms.models.readAfter(sms.models.sessions, req.minSeq);
      return viewOf(req.sessionId);
    },
    async list(req) {
      await sms.models.readAfter(sms.models.sessions, req.minSeq);
      const views = [...sms.models.sessions.state.values()].filter((s) => req.includeEnded || !s.ended);
      return paginate(views, (s) => s.id, req);
    },
  };
}
