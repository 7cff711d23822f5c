import fc from "fast-check";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { isErrorCode } from "../../../domain/errors.js";
import { invokeEndpoint } from "../../../domain/api/invoke.js";
import { nodeAgentEndpoints } from "../../../domain/api/node-agent.js";
import { apiEndpoints } from "../../../domain/api/registry.js";
import { H } from "../../../domain/headers.js";
import { apiSeeds, syncInvokeSeed } from "../api-seeds.js";
import { addUnreadable, headerValue, unreadableHeaderName } from "../arbitraries/headers.js";
import { bodyArb, bodyBytes, describeBody, type BodySpec } from "../body.js";
import { resultVerdict } from "../result-check.js";
import { preview, type Verdict } from "../tally.js";
import { UNKNOWN_FUNCTIONS, type Edge, type Targets } from "./edge.js";

/** A core NATS request to one of the subjects the control plane or a spearlet serves. */
export interface ApiMessage {
  readonly subject: string;
  readonly body: BodySpec;
  readonly correlationId?: string;
  /** A header name nats.js cannot read: the request is answered as if it had no headers. */
  readonly unreadableHeader?: string;
  /** The sync invoke verb: its answer is an InvocationFinished. */
  readonly invoke: boolean;
}

/** Just under a NATS message (1 MiB), so the client sends it and the server must judge it. */
const HUGE = [100_000, 900_000];

function targets(t: Targets): fc.Arbitrary<{ subject: string; seed: unknown; invoke: boolean }> {
  const seeds = apiSeeds(t);
  const verbs = apiEndpoints.map((e) => ({ subject: e.subject, seed: seeds[`${e.area}.${e.verb}`] ?? {}, invoke: false }));
  const agents = t.nodes.flatMap((n) => nodeAgentEndpoints.map((e) => ({ subject: e.subjectOf(n), seed: {}, invoke: false })));
  // The verb is served on `spear.api.invoke.*`: a name of two tokens reaches no one, by NATS's rules, not Spear's.
  const oneToken = UNKNOWN_FUNCTIONS.filter((f) => !f.includes("."));
  const invoke = fc
    .tuple(fc.oneof(fc.constantFrom(...t.functions), fc.constantFrom(...oneToken)), fc.stringMatching(/^[a-z0-9]{12}$/))
    .map(([fn, id]) => ({ subject: invokeEndpoint.subjectOf(fn), seed: syncInvokeSeed(`fz-api-${id}`), invoke: true }));
  return fc.oneof({ arbitrary: fc.constantFrom(...verbs), weight: 6 }, { arbitrary: fc.constantFrom(...agents), weight: 1 }, { arbitrary: invoke, weight: 2 });
}

/** The envelope every verb answers with: `{ok:true,result}` or `{ok:false,error:{code}}` with a catalog code. */
export function envelopeVerdict(data: Uint8Array, invoke: boolean): Verdict {
  let reply: unknown;
  try {
    reply = JSON.parse(Buffer.from(data).toString("utf8"));
  } catch {
    return { kind: "untyped", problem: `the reply is not JSON: ${preview(data, 80)}` };
  }
  const r = reply as { ok?: unknown; result?: unknown; error?: { code?: unknown } };
  if (r?.ok === true) {
    if (!invoke) return { kind: "accepted", code: "ok" };
    const v = resultVerdict(Buffer.from(JSON.stringify(r.result ?? null)));
    return { ...v, code: `result:${v.code ?? "?"}` };
  }
  if (r?.ok === false && typeof r.error?.code === "string") {
    return isErrorCode(r.error.code) ? { kind: "rejected", code: r.error.code } : { kind: "untyped", code: r.error.code, problem: `code '${r.error.code}' is not in the catalog` };
  }
  return { kind: "untyped", problem: `not an envelope: ${preview(data, 80)}` };
}

export function apiEdge(t: Targets): Edge<ApiMessage> {
  const arbitrary = targets(t).chain(({ subject, seed, invoke }) =>
    fc.record({
      subject: fc.constant(subject),
      invoke: fc.constant(invoke),
      body: bodyArb(seed, { hugeBytes: HUGE, deepField: invoke ? "input" : "name" }),
      correlationId: fc.option(headerValue, { nil: undefined }),
      unreadableHeader: fc.option(unreadableHeaderName, { nil: undefined, freq: 10 }),
    }),
  ) as fc.Arbitrary<ApiMessage>;
  return {
    arbitrary,
    describe: (m) =>
      `request ${m.subject}${m.correlationId !== undefined ? ` ${H.correlationId}: ${JSON.stringify(m.correlationId)}` : ""}${m.unreadableHeader !== undefined ? ` with header ${JSON.stringify(m.unreadableHeader)}` : ""}, body ${describeBody(m.body)}`,
    async send(ctx, m) {
      const headers = natsHeaders();
      if (m.correlationId !== undefined) headers.set(H.correlationId, m.correlationId);
      if (m.unreadableHeader !== undefined) addUnreadable(headers, m.unreadableHeader);
      try {
        const reply = await ctx.nc.request(m.subject, bodyBytes(m.body), { timeout: ctx.answerTimeoutMs, headers });
        return envelopeVerdict(reply.data, m.invoke);
      } catch (e) {
        const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        return { kind: "missing", problem: `no reply (${what})` };
      }
    },
  };
}
