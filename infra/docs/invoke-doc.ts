import { DEFAULT_INVOKE_WAIT_MS, invocationOutcomes, invokeEndpoint, MAX_INVOKE_WAIT_MS } from "../../domain/api/invoke.js";
import { errorCatalog, type ErrorCode } from "../../domain/errors.js";
import { InvocationFinished, InvocationStatus, InvokeRequest } from "../../domain/events/invocation.js";
import { H } from "../../domain/headers.js";
import { MAX_JSON_DEPTH } from "../../domain/json-limits.js";
import { INLINE_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES, PAYLOAD_BUCKET } from "../../domain/payloads.js";
import { MAX_REPLY_SUBJECT, REPLY_INBOX_PREFIX, subjects } from "../../domain/subjects.js";
import { defaultStreamSettings, streamNames } from "../../streams/catalog.js";
import type { DocRenderers } from "./spearlet-doc.js";

interface Section {
  readonly title: string;
  readonly render: () => readonly string[];
}

const s = (ms: number) => `${ms / 1000} s`;
const kib = (bytes: number) => `${bytes / 1024} KiB`;
const mib = (bytes: number) => `${bytes / 1_048_576} MiB`;
const codeRow = (c: ErrorCode, where: string) => `| \`${c}\` | ${where} | ${errorCatalog[c].http} | ${errorCatalog[c].text} |`;

/** docs/api.md's sections about invoking: the stream contract any NATS client can use, and the sync verb. */
export function invokeDocSections(r: DocRenderers): Section[] {
  const contract: Section = {
    title: "Invoking functions",
    render: () => [
      "Every way of invoking (the SDK in [sdk.md](sdk.md), `spear invoke`, the HTTP gateway, the sync verb below)",
      "comes down to one contract on JetStream, which any NATS client can use directly.",
      "",
      "### The request: `spear.invoke.<function>`",
      "",
      `Publish the JSON body below on \`spear.invoke.<function>\` (stream \`${streamNames.invoke}\`, kept ${defaultStreamSettings.invokeMaxAgeMs / 3_600_000} h),`,
      "preferably as a JetStream publish, whose acknowledgement says the request is stored: from then on nothing is lost,",
      "whatever happens to the caller.",
      "",
      "| header | | meaning |",
      "|---|---|---|",
      `| \`${H.msgId}\` | recommended | the invocation id (letters, digits, \`_\`, \`-\`; at most 128). The same id again within the duplicate window (${s(defaultStreamSettings.dedupeWindowMs)}) is stored once: one invocation, one result. Submitted again later, while its result is kept, it runs nothing: its recorded result is sent to the new reply subject. Without it the invocation is named \`seq-<stream sequence>\`. |`,
      `| \`${H.replyTo}\` | optional | a subject the final result is published to: an inbox the client subscribed to before publishing (see below for what it guarantees). It must start with \`${REPLY_INBOX_PREFIX}\` (the NATS clients' default inbox prefix; what \`createInbox()\` gives), without spaces or wildcards, at most ${MAX_REPLY_SUBJECT} characters; any other ends the invocation at once as \`rejected\`, \`invalid_request\`, and nothing is published to it. |`,
      "",
      `**Headers are data, not authority.** The headers that describe earlier attempts (\`${H.invocationId}\`, \`${H.attempt}\`,`,
      `\`${H.refusals}\`, \`${H.excludeNodes}\`, \`${H.avoidNodes}\`, \`${H.submittedAt}\`, \`${H.retryReason}\`) are read only on the retry`,
      `subject \`${subjects.retry("<function>")}\`, where schedulers and spearlets publish the next attempt of an invocation and`,
      "no client may publish (the NATS permissions allow clients `spear.invoke.*` only). On `spear.invoke.<function>` they are",
      `ignored: the request is attempt 1 with no refusals and no excluded or avoided node, submitted when the stream stored it,`,
      `and its invocation id is its \`${H.msgId}\`. A reply subject that is not an inbox is refused, so Spear never publishes`,
      "to a subject of another service or client on a caller's behalf.",
      "",
      "The body is an `InvokeRequest`: `input` is any JSON value (`null` when there is none); `version` picks a version",
      "(the active one otherwise); `sessionId`, `routingKey`, `tenant`, `langPair` and `spread` steer placement;",
      "`priority` (0–9) orders calls waiting for capacity; `timeoutMs` lowers the function's own per-call limit. A body",
      "that is not JSON or not an `InvokeRequest` is stored all the same and answered with the status `rejected`, code",
      "`invalid_request`.",
      "",
      "```json",
      r.schema(InvokeRequest, "input"),
      "```",
      "",
      "### The result: `spear.result.<invocationId>`",
      "",
      `The one final result, an \`InvocationFinished\`, is written once on \`spear.result.<invocationId>\` (stream`,
      `\`${streamNames.results}\`, with expected last subject sequence 0, so of two writers exactly one records) and kept`,
      `for the result TTL (${defaultStreamSettings.resultMaxAgeMs / 3_600_000} h by default, \`SPEAR_RESULT_TTL\`): that stream is the invocations' read`,
      `model. The writer that recorded it then publishes it to the request's \`${H.replyTo}\`. To read it later, ask for the last`,
      `message of the subject with a direct get that names it in the request's subject,`,
      `\`$JS.API.DIRECT.GET.${streamNames.results}.spear.result.<id>\` with an empty body (what the SDK, \`spear invocations get <id>\` and`,
      "`GET /v1/invocations/{id}` do); to wait for it without a reply subject, ask again until it is there.",
      "",
      `**The invocation id is the capability.** Whoever knows an invocation's id can read its result, and nothing else`,
      `names it: a client's permission to read results is \`$JS.API.DIRECT.GET.${streamNames.results}.spear.result.*\` (the id in`,
      "the subject; the server answers any body on that form with `408 Bad Request`, so no other subject or sequence can be",
      "asked for through it). The SDK, the CLI, the gateway and the sync verb choose random UUIDs; a client that chooses its",
      `own ids must make them as hard to guess. A request without \`${H.msgId}\` gets \`seq-<n>\`, which anyone can guess: send`,
      "an id. One gap is the server's: nats-server 2.9 answers a literal wildcard in that subject (`…spear.result.*`) with the",
      "newest result of any invocation, so clients that must not see one another's results use the gateway or the sync verb",
      "(both take ids only) rather than that permission.",
      "",
      `**What the reply subject guarantees.** Only the recorded result is ever published there: a writer whose record`,
      `lost the race (another attempt recorded first) publishes nothing, and one whose record was deduplicated (its own`,
      `repeat after a lost acknowledgement) publishes the stored result, byte for byte. Every message on the reply subject`,
      `therefore carries the same result (the same \`${H.eventId}\`), and a call normally gets exactly one. The reply is a`,
      `core NATS publish: it is missed when the caller's connection is down at that moment or the writer dies between`,
      `recording and replying, and after such a fault the same result can arrive more than once. The result stream is the`,
      `authority: a caller that got no reply reads the result by id, and a request delivered again after its result was`,
      `recorded (or the same id submitted again) gets the recorded result on its reply subject without running again.`,
      "",
      "```json",
      r.schema(InvocationFinished, "output"),
      "```",
      "",
      "`timings`: `submittedAt` (the first submit; retries keep it), `assignedAt`, `startedAt`, `finishedAt`, and",
      "`queueMs`, `runMs`, `totalMs`. `attempts` counts the attempts made (0 when none was placed).",
      "",
      "### Inputs and outputs by reference",
      "",
      `A NATS message holds 1 MiB, so inputs and outputs whose JSON is larger than ${kib(INLINE_PAYLOAD_BYTES)} travel by reference,`,
      `up to ${mib(MAX_PAYLOAD_BYTES)}: the JSON bytes are an object in the JetStream object store bucket \`${PAYLOAD_BUCKET}\`, kept for the`,
      "result TTL, and the request or result names it. The SDK, the CLI, the gateway and the sync verb do this for their",
      "callers. A plain NATS client with a large input puts its JSON under the object name `input/<invocationId>` and",
      "publishes the request with `inputRef` instead of `input`:",
      "",
      "```json",
      '{"inputRef":{"object":"input/order-42","size":5242880}}',
      "```",
      "",
      "The scheduler refuses (`rejected`, `invalid_request`) a reference to any other object, or to one that is missing or",
      "of another size. A request with an inline input that fits in a message but not in an assignment is stored by the",
      `scheduler itself. A result whose output is larger than ${kib(INLINE_PAYLOAD_BYTES)} carries \`outputRef\` (the object`,
      "`output/<invocationId>`) instead of `output`; the SDK, the CLI and the gateway fill `output` in, and the sync verb and the",
      `reply subject carry the reference. An output over ${mib(MAX_PAYLOAD_BYTES)} ends the invocation as \`failed\` with`,
      `\`output_too_large\`, once. JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused as input (\`invalid_request\`) and`,
      "as output (`invalid_output`).",
      "",
      "### Statuses and codes",
      "",
      "| status | meaning | `error.code` |",
      "|---|---|---|",
      ...InvocationStatus.options.map((st) => {
        const o = invocationOutcomes[st];
        return `| \`${st}\` | ${o.meaning} | ${o.codes.length > 0 ? o.codes.map((c) => `\`${c}\``).join(", ") : "none"} |`;
      }),
      "",
      `A node that cannot run an attempt hands it back instead of finishing the invocation: the next`,
      `attempt (same body, on \`${subjects.retry("<function>")}\`, \`${H.attempt}\` + 1) carries the code that ended it in`,
      `\`${H.retryReason}\` (\`<code>: <message>\`; \`instance_crashed\`, say), and that code's retry class ([Retry classes and details](#retry-classes-and-details))`,
      `says how the next attempt treats the node. A node that went away during the attempt (\`lease_expired\`: killed, hung,`,
      `restarting) is put in \`${H.avoidNodes}\`, and a node that failed the call in \`${H.excludeNodes}\`: later attempts go`,
      `to an avoided node only when no other node can take the call, and to an excluded one only once the attempt has`,
      `waited half its queue timeout and no other node, avoided ones included, can take it; a \`refusal\` before running`,
      `(the node was full, over the function's rate, or draining) is counted in \`${H.refusals}\` and uses up no attempt (a`,
      `draining node is still excluded). Each attempt waits for capacity at most the queue timeout (30 s by default).`,
      `When the failed attempts pass the limit (3 by default; refusals: 10) the invocation is \`dead_lettered\`.`,
      "`spear replay --invocation <id>` (or the SDK's `watch`) shows every step.",
      "",
      "Every code a caller can meet when invoking, with the HTTP status the gateway gives it:",
      "",
      "| code | where | http | meaning |",
      "|---|---|---|---|",
      ...InvocationStatus.options.flatMap((st) => invocationOutcomes[st].codes.map((c) => codeRow(c, `result, \`${st}\``))),
      codeRow("invalid_argument", "sync verb, SDK: the request is refused before it is stored"),
      codeRow("timeout", "sync verb, SDK: no result within the wait (`details.invocationId`; the invocation goes on)"),
      codeRow("cancelled", "SDK: the caller's AbortSignal ended the wait (the invocation goes on)"),
      codeRow("service_unavailable", "sync verb: no replica answers, or the one waiting stopped (`details.invocationId`)"),
      codeRow("nats_unreachable", "SDK: no connection to NATS"),
    ],
  };

  const sync: Section = {
    title: "Invoking by request/reply: `spear.api.invoke.<function>`",
    render: () => [
      "For clients that know core NATS only: one request, one reply with the final result. Every control-plane",
      "replica serves the subject (`spear.api.invoke.*`, queue group `spear-sms`), publishes the request to",
      "`spear.invoke.<function>` as above, and answers when the result comes:",
      "",
      "```",
      `nats req --timeout ${s(DEFAULT_INVOKE_WAIT_MS + 5_000).replace(" ", "")} spear.api.invoke.echo '{"input":{"hello":"world"}}'`,
      "```",
      "",
      `The body is an \`InvokeRequest\` plus \`invocationId\` (chosen by the client: sending the same request again, after a`,
      `lost reply say, is the same invocation and gets the same result) and \`waitMs\` (default ${s(DEFAULT_INVOKE_WAIT_MS)}, at most`,
      `${MAX_INVOKE_WAIT_MS / 60_000} min; the client's own request timeout should be longer). The reply is the usual envelope, \`ok: true\``,
      "with the `InvocationFinished` as `result` whatever its status (branch on `result.status`), or `ok: false` with",
      "`invalid_argument` (a malformed body or function name), `timeout` (no result within `waitMs`; `details.invocationId`",
      "names the invocation, which goes on), `service_unavailable` (the replica stopped while waiting) or `internal`.",
      "The request is stored in the stream before the replica waits, so a lost reply or replica loses nothing.",
      ...r.endpoint(invokeEndpoint),
    ],
  };

  return [contract, sync];
}
