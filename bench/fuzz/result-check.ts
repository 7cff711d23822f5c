import type { JetStreamManager } from "@nats-io/jetstream";
import { isErrorCode } from "../../domain/errors.js";
import { InvocationFinished } from "../../domain/events/invocation.js";
import { InvocationId } from "../../domain/ids.js";
import { subjects } from "../../domain/subjects.js";
import { streamNames } from "../../streams/catalog.js";
import type { Verdict } from "./tally.js";

/**
 * Whether a final result is typed as docs/api.md promises: an InvocationFinished with a
 * status and, unless it succeeded, an error whose code is in the catalog.
 */
export function resultVerdict(data: Uint8Array): Verdict & { result?: InvocationFinished } {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString("utf8"));
  } catch {
    return { kind: "untyped", problem: "the result is not JSON" };
  }
  const parsed = InvocationFinished.safeParse(json);
  if (!parsed.success) return { kind: "untyped", problem: `the result is no InvocationFinished: ${parsed.error.issues[0]?.message}` };
  const r = parsed.data;
  if (r.status === "succeeded") return { kind: "accepted", code: "succeeded", result: r };
  if (!r.error || !isErrorCode(r.error.code)) return { kind: "untyped", code: r.status, problem: `status ${r.status} without a catalog code (${r.error?.code ?? "none"})`, result: r };
  return { kind: "rejected", code: `${r.status}:${r.error.code}`, result: r };
}

/** The recorded result of the first id that has one, or undefined. */
export async function recordedResult(jsm: JetStreamManager, ids: readonly string[]): Promise<Uint8Array | undefined> {
  for (const id of ids) {
    if (!InvocationId.safeParse(id).success) continue;
    const m = await jsm.direct.getMessage(streamNames.results, { last_by_subj: subjects.result(id) }).catch(() => undefined);
    if (m) return m.data;
  }
  return undefined;
}

/** Polls the result stream until one of the ids has a result, or the time is up. */
export async function awaitRecorded(jsm: JetStreamManager, ids: readonly string[], timeoutMs: number): Promise<Uint8Array | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(1_000, wait * 2)) {
    const found = await recordedResult(jsm, ids);
    if (found || Date.now() + wait > deadline) return found;
    await new Promise((r) => setTimeout(r, wait));
  }
}
