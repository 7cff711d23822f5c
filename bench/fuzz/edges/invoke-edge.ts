import fc from "fast-check";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { invokeSeed } from "../api-seeds.js";
import { addUnreadable, BAD_REPLY_SUBJECTS, headerMap, headerValue, unreadableHeaderName } from "../arbitraries/headers.js";
import { bodyArb, bodyBytes, describeBody, type BodySpec } from "../body.js";
import { awaitRecorded, recordedResult, resultVerdict } from "../result-check.js";
import type { Verdict } from "../tally.js";
import { UNKNOWN_FUNCTIONS, type Edge, type EdgeContext, type Targets } from "./edge.js";

/**
 * A JetStream publish on `spear.invoke.<function>`, as any NATS client may make one: real and
 * unknown functions, any body, the contract's headers with good or garbage values.
 */
export interface InvokeMessage {
  readonly fn: string;
  readonly body: BodySpec;
  readonly headers: Readonly<Record<string, string>>;
  /** `unique`: a fresh valid id; otherwise a garbage value made unique, or none. */
  readonly msgId: "unique" | "none" | { readonly garbage: string };
  /** `inbox`: a subject the run listens on; a string: a subject no one can publish to; or none. */
  readonly replyTo: "inbox" | "none" | { readonly bad: string };
  /** A header name nats.js cannot read: Spear reads the request as one without headers. */
  readonly unreadableHeader?: string;
}

const HUGE = [100_000, 900_000];

export const invocationIdOf = (ctx: EdgeContext, index: number) => `fz${ctx.runId}-${index}`;

/** What the headers of a message say, for the message at `index` of the run. */
export function invokeHeaders(ctx: EdgeContext, m: InvokeMessage, index: number): Record<string, string> {
  const out: Record<string, string> = { ...m.headers };
  // A Spear-Invocation-Id that is valid must be unique too, or two messages would share a result.
  if (out[H.invocationId] !== undefined && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(out[H.invocationId]!)) out[H.invocationId] = `${invocationIdOf(ctx, index)}-iid`;
  if (m.msgId === "unique") out[H.msgId] = invocationIdOf(ctx, index);
  else if (m.msgId !== "none") out[H.msgId] = `${m.msgId.garbage} ${index}`;
  if (m.replyTo === "inbox") out[H.replyTo] = ctx.replies.subject(index);
  else if (m.replyTo !== "none") out[H.replyTo] = m.replyTo.bad;
  return out;
}

/**
 * Publishes and judges: with a reply subject the run listens on, the final result must come
 * there; without one (or with one no one can publish to) it must be recorded on
 * `spear.result.<id>`, and a reply subject that cannot be published to must be refused.
 */
export async function publishAndJudge(
  ctx: EdgeContext,
  subject: string,
  body: Uint8Array,
  hdrs: Record<string, string>,
  index: number,
  unreadableHeader?: string,
): Promise<Verdict> {
  const headers = natsHeaders();
  for (const [k, v] of Object.entries(hdrs)) headers.set(k, v);
  if (unreadableHeader !== undefined) addUnreadable(headers, unreadableHeader);
  // What Spear reads of them: with a header block it cannot decode, nothing (no reply subject, no id but the sequence).
  const read: Record<string, string> = unreadableHeader === undefined ? hdrs : {};
  const replyTo = read[H.replyTo];
  const listening = replyTo !== undefined && replyTo === ctx.replies.subject(index);
  const reply = listening ? ctx.replies.wait(replyTo!, ctx.answerTimeoutMs) : undefined;
  let seq: number;
  try {
    seq = (await ctx.js.publish(subject, body, { headers, timeout: 10_000 })).seq;
  } catch (e) {
    return { kind: "missing", problem: `the stream did not take the request: ${e instanceof Error ? e.message : String(e)}` };
  }
  // NATS trims header values, so the server reads ` 114` as `114`: look up what it read.
  const ids = [read[H.invocationId]?.trim(), read[H.msgId]?.trim(), `seq-${seq}`].filter((x): x is string => x !== undefined);
  if (reply) {
    const m = await reply;
    if (m) return resultVerdict(m.data);
    const recorded = await recordedResult(ctx.jsm, ids);
    return { kind: "missing", problem: recorded ? "a result was recorded but never sent to the reply subject" : "no result recorded" };
  }
  const recorded = await awaitRecorded(ctx.jsm, ids, ctx.answerTimeoutMs);
  if (!recorded) return { kind: "missing", problem: "no result recorded" };
  const v = resultVerdict(recorded);
  if (replyTo !== undefined && replyTo.trim() !== "" && v.code !== "rejected:invalid_request") {
    return { kind: "untyped", code: v.code, problem: `the reply subject ${JSON.stringify(replyTo)} cannot be published to, yet the request was not refused (${v.code})` };
  }
  return v;
}

export function invokeEdge(t: Targets): Edge<InvokeMessage> {
  const arbitrary: fc.Arbitrary<InvokeMessage> = fc.record({
    fn: fc.oneof({ arbitrary: fc.constantFrom(...t.functions), weight: 3 }, { arbitrary: fc.constantFrom(...UNKNOWN_FUNCTIONS), weight: 1 }),
    body: bodyArb(invokeSeed, { hugeBytes: HUGE, deepField: "input" }),
    headers: fc.oneof(
      { arbitrary: fc.constant({}), weight: 2 },
      { arbitrary: headerMap, weight: 2 },
      { arbitrary: fc.record({ [H.excludeNodes]: fc.constantFrom(...t.nodes.map((n) => n), t.nodes.join(",")) }), weight: 1 },
    ),
    msgId: fc.oneof({ arbitrary: fc.constant<"unique">("unique"), weight: 6 }, { arbitrary: fc.constant<"none">("none"), weight: 1 }, { arbitrary: headerValue.map((garbage) => ({ garbage })), weight: 1 }),
    replyTo: fc.oneof({ arbitrary: fc.constant<"inbox">("inbox"), weight: 6 }, { arbitrary: fc.constant<"none">("none"), weight: 1 }, { arbitrary: fc.constantFrom(...BAD_REPLY_SUBJECTS).map((bad) => ({ bad })), weight: 1 }),
    unreadableHeader: fc.option(unreadableHeaderName, { nil: undefined, freq: 10 }),
  });
  return {
    arbitrary,
    describe: (m) =>
      `publish spear.invoke.${m.fn} headers ${JSON.stringify({ ...m.headers, "Nats-Msg-Id": m.msgId, "Spear-Reply-To": m.replyTo, ...(m.unreadableHeader !== undefined ? { [m.unreadableHeader]: "x" } : {}) })}, body ${describeBody(m.body)}`,
    send: (ctx, m, index) => publishAndJudge(ctx, subjects.invoke(m.fn), bodyBytes(m.body), invokeHeaders(ctx, m, index), index, m.unreadableHeader),
  };
}
