import type { functionsApi } from "../../../domain/api/functions.js";
import { SpearError } from "../../../domain/errors.js";
import type { FunctionSpec } from "../../../domain/events/function.js";
import type { FunctionCommand } from "../../../domain/function/commands.js";
import { functionDecider } from "../../../domain/function/decider.js";
import { resolveVersion, summarizeFunction, type FunctionView } from "../../../domain/function/view.js";
import { functionStatsKey, invocationStatsOf, type InvocationStatsDoc } from "../../../projections/definitions/invocation-stats.js";
import { execute, type SmsContext } from "../context.js";
import { paginate, paginateOrdered } from "../../api/paging.js";
import type { AreaHandlers, RequestContext } from "../../api/router.js";

function viewOf(sms: SmsContext, name: string): FunctionView {
  const view = sms.models.functions.state.get(name);
  if (!view) throw new SpearError("function_not_found", `no function '${name}' is deployed`, { function: name });
  return view;
}

/** A version may only point at bytes the control plane recorded, with their recorded size. */
async function requireArtifact(sms: SmsContext, spec: FunctionSpec): Promise<void> {
  if (!spec.artifact) return;
  const { sha256, size } = spec.artifact;
  const { events } = await sms.store.read({ type: "artifact", id: sha256 });
  const uploaded = events.find((e) => e.type === "ArtifactUploaded");
  if (!uploaded || uploaded.type !== "ArtifactUploaded") {
    throw new SpearError("artifact_not_found", `no artifact ${sha256} is registered; upload and register it first`, { sha256 });
  }
  if (uploaded.data.size !== size) {
    throw new SpearError("invalid_argument", `artifact ${sha256} has ${uploaded.data.size} bytes, not ${size}`, { sha256, size: uploaded.data.size });
  }
}

export function functionsHandlers(sms: SmsContext): AreaHandlers<typeof functionsApi> {
  const run = async (command: FunctionCommand, ctx: RequestContext) => {
    const r = await execute(sms, { type: "function", id: command.name }, functionDecider, command, ctx);
    return { result: r, view: viewOf(sms, command.name) };
  };
  const changed = async (command: FunctionCommand, ctx: RequestContext) => {
    const { result, view } = await run(command, ctx);
    return { function: view, seq: result.version };
  };
  return {
    async deploy(req, ctx) {
      await requireArtifact(sms, req.spec);
      const { result, view } = await run({ type: "DeployFunction", ...req }, ctx);
      const deployed = result.events.find((e) => e.type === "FunctionVersionDeployed");
      const version = deployed?.type === "FunctionVersionDeployed" ? deployed.data.version : result.state.latest;
      return { function: view, version, created: deployed !== undefined, seq: result.version };
    },
    update: (req, ctx) => changed({ type: "UpdateFunction", ...req }, ctx),
    activate: (req, ctx) => changed({ type: "ActivateVersion", ...req }, ctx),
    deactivate: (req, ctx) => changed({ type: "DeactivateFunction", ...req }, ctx),
    delete: (req, ctx) => changed({ type: "DeleteFunction", ...req }, ctx),
    async get(req) {
      await sms.models.readAfter(sms.models.functions, req.minSeq);
      return { ...viewOf(sms, req.name), stats: statsOf(sms.models.invocations.state.get(functionStatsKey(req.name))) };
    },
    async list(req) {
      await sms.models.readAfter(sms.models.functions, req.minSeq);
      const views = [...sms.models.functions.state.values()].filter((f) => req.includeDeleted || !f.deleted);
      const page = paginate(views, (f) => f.name, req);
      return { ...page, items: page.items.map(summarizeFunction) };
    },
    async versions(req) {
      await sms.models.readAfter(sms.models.functions, req.minSeq);
      return paginateOrdered(viewOf(sms, req.name).versions, req);
    },
    async resolve(req) {
      await sms.models.readAfter(sms.models.functions, req.minSeq);
      const resolved = resolveVersion(sms.models.functions.state.get(req.name), req.version, req.name);
      if (!resolved.ok) throw resolved.error;
      return { name: resolved.name, version: resolved.version, spec: resolved.spec };
    },
  };
}

const statsOf = (doc: InvocationStatsDoc | undefined) => (doc ? invocationStatsOf(doc) : null);
