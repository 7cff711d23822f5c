import { ARTIFACT_BUCKET, type artifactsApi } from "../../../domain/api/artifacts.js";
import { artifactDecider, tooLarge } from "../../../domain/artifact/decider.js";
import { SpearError } from "../../../domain/errors.js";
import { verifyStoredArtifact } from "../artifact-store.js";
import { execute, type SmsContext } from "../context.js";
import { paginate } from "../../api/paging.js";
import type { AreaHandlers } from "../../api/router.js";

export function artifactsHandlers(sms: SmsContext): AreaHandlers<typeof artifactsApi> {
  const maxBytes = sms.config.maxArtifactSize;
  // The log, not the read model, says whether an artifact is registered: a replica whose
  // model lags must not ask for an upload or a verification that is not needed.
  const registered = async (sha256: string) => (await sms.store.version({ type: "artifact", id: sha256 })) > 0;
  const viewOf = (sha256: string) => {
    const view = sms.models.artifacts.state.get(sha256);
    if (!view) throw new SpearError("artifact_not_found", `no artifact ${sha256} is registered`, { sha256 });
    return view;
  };
  return {
    async prepare(req) {
      if (req.size > maxBytes) throw tooLarge(req.size, maxBytes);
      return { registered: await registered(req.sha256), bucket: ARTIFACT_BUCKET, maxBytes };
    },
    async register(req, ctx) {
      if (!(await registered(req.sha256))) await verifyStoredArtifact(sms.artifacts, req, maxBytes, sms.log);
      const r = await execute(sms, { type: "artifact", id: req.sha256 }, artifactDecider, { type: "RegisterArtifact", ...req, maxBytes }, ctx);
      return { artifact: viewOf(req.sha256), created: r.events.length > 0, seq: r.version };
    },
    async get(req) {
      await sms.models.readAfter(sms.models.artifacts, req.minSeq);
      return viewOf(req.sha256);
    },
    async list(req) {
      await sms.models.readAfter(sms.models.artifacts, req.minSeq);
      return paginate(sms.models.artifacts.state.values(), (a) => a.sha256, req);
    },
  };
}
