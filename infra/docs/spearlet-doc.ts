import type { z } from "zod";
import type { AnyEndpoint } from "../../domain/api/endpoint.js";
import { nodeAgentEndpoints } from "../../domain/api/node-agent.js";
import { InvocationAssigned } from "../../domain/events/invocation.js";
import { NodeStatusReported } from "../../domain/events/status.js";
import { H } from "../../domain/headers.js";
import { subjects } from "../../domain/subjects.js";

/** What docs/api.md's renderer lends these sections, so they render the way the SMS verbs do. */
export interface DocRenderers {
  readonly endpoint: (e: AnyEndpoint) => string[];
  readonly schema: (schema: z.ZodType, io: "input" | "output") => string;
}

interface Section {
  readonly title: string;
  readonly render: () => readonly string[];
}

/** docs/api.md's sections about spearlets: the scheduler ↔ spearlet contract and each node's own verbs. */
export function spearletDocSections(r: DocRenderers): Section[] {
  const contract: Section = {
    title: "Assignments, results and status reports (scheduler ↔ spearlet)",
    render: () => [
      "A scheduler reserves a slot lease for the attempt in Redis (TTL = the pickup window) and publishes the",
      "placement as `InvocationAssigned` on `spear.assign.<nodeId>` (stream `SPEAR_ASSIGN`). The headers carry the",
      `event envelope (\`${H.eventType}\`, \`${H.occurredAt}\` = when it was assigned, …), \`${H.invocationId}\`, \`${H.attempt}\`, the trace context (\`${H.traceparent}\`, \`${H.tracestate}\`: the placement's span, see [Trace context](#trace-context)), and`,
      `\`${H.msgId}\` = \`<invocationId>.<attempt>\`, so placing the same attempt twice stores one assignment. \`deadline\` is the`,
      "lease's pickup deadline; `requestSeq` the sequence of the request in `SPEAR_INVOKE` that this attempt answers.",
      "",
      "```json",
      r.schema(InvocationAssigned, "output"),
      "```",
      "",
      "Each spearlet reads its subject with the durable consumer `spearlet_<nodeId>` (explicit acks, at most `slots`",
      "unacknowledged, in-progress acks during long calls) and takes every assignment through these steps:",
      "",
      "1. deadline passed: acknowledged and not run (the lease expired; the scheduler's reaper retries the invocation);",
      "2. the lease is committed for `timeoutMs` + a grace period (and renewed while the call waits or runs). A lease",
      "   that expired or was released (`lease_expired`, `lease_not_found`) fences the attempt off: acknowledged, not run.",
      "   After 1 or a missing lease, a recent assignment (within a minute of its deadline) whose invocation has no result",
      "   asks for the next attempt itself: its lease may have been lost with Redis, and then no reaper would (when the reaper",
      "   asked already, it is the same message id and the stream keeps one);",
      "   Redis away or rebuilding (`redis_unreachable`, `lease_state_lost`): redelivered after a delay;",
      "3. the version's spec comes from the node's TaskRef cache, waiting briefly for a deploy that the assignment overtook;",
      "4. admission control (slots, per-binary and per-function limits, adaptive limit, rate);",
      "5. the call runs in the version's instance pool;",
      "6. success, or a failure another node would repeat (`function_error`, `invalid_output`, `permission_denied`,",
      "   `memory_limit_exceeded` → status `failed`; `timeout` → `timed_out`): the one final `InvocationFinished`",
      "   (`attempts` is the attempt; `timings` has `submittedAt`, `assignedAt` = the assignment's occurred-at,",
      "   `startedAt`, `finishedAt`, `queueMs`, `runMs`, `totalMs`) is recorded by the schedulers, as described below;",
      "7. a failure of this node rather than of the function (`instance_crashed`, `runtime_unavailable`,",
      "   `instance_start_failed`, `saturated`, `rate_limited`, a version unknown here, `node_draining`): first the next",
      `   attempt is published on the retry subject \`${subjects.retry("<function>")}\` (the original body, \`${H.attempt}\` + 1, this node added to`,
      `   \`${H.excludeNodes}\`, \`${H.retryReason}\`, \`${H.msgId}\` = \`<invocationId>.a<attempt>\`), then the lease is released;`,
      "8. the lease is released, the outcome goes into the next status report, the assignment is acknowledged.",
      "",
      "A crash at any step is covered: before the commit the lease expires and the reaper retries; after the result",
      "the reaper finds it and only forgets the lease; a late result of a lost node is refused (its lease expired).",
      "",
      `**Recording a result.** A spearlet may not write results itself: it sends each final result (and a rejection, or`,
      `the failure that ends an invocation whose request aged out) as a core NATS request on \`${subjects.record("<nodeId>")}\`,`,
      "its own node id, the one subject of the kind its identity may publish on. The body is",
      '`{ "leaseToken": <the assignment\'s>, "replyTo": <the assignment\'s, if any>, "result": <InvocationFinished> }`; it',
      "must fit the server's message limit (an output over 512 KiB is in the payload bucket already; a result still too",
      "large is sent as `failed` with `output_too_large`). One scheduler replica (queue group `spear-recorder`) takes it:",
      "",
      "1. the node is the subject's (never the body's); in one Redis script, atomic with the reaper's claim of expired",
      "   leases, it checks that this node holds the live lease of that attempt of that invocation and keeps it live for",
      "   at least 10 s, so no retry starts while the result is written;",
      "2. the result is written on `spear.result.<invocationId>` with expected last subject sequence 0 (of two writers",
      "   racing, one records) and event id `<invocationId>.result.a<attempt>.<nodeId>`; only when it is recorded (or",
      "   found recorded by the same attempt's earlier request: then the stored bytes) is it published to the reply",
      "   subject, and only to an inbox (`_INBOX.…`);",
      '3. the answer, in the reply envelope: `{ "ok": true, "result": { "recorded": true, "status", "errorCode"? } }` (as',
      '   recorded), `{ "ok": true, "result": { "recorded": false } }` (another writer\'s result stands), or',
      '   `{ "ok": false, "error": { "code", "message" } }`.',
      "",
      "`lease_not_held` (the lease is another node's, unknown, released, expired or fenced off) is final: nothing was",
      "recorded or replied, and the node drops the result and leaves the lease alone. `redis_unreachable`,",
      "`lease_state_lost`, `nats_unreachable`, no responders and no answer in 3 s (a replica died holding the request) are",
      "outages: the node asks again, for up to a minute, its lease renewed meanwhile, and at once when its NATS",
      "connection comes back (a request in flight when the server went away is never answered); the same attempt's",
      "result is recorded once however often it is sent. Then the lease is released (step 8).",
      "",
      "**Freed slots.** Each time a spearlet releases a lease it publishes an empty core NATS message on",
      "`spear.capacity.<nodeId>` (its own node id only). Every scheduler replica listens on `spear.capacity.*` and lets",
      "the first two requests waiting for capacity try again at once, rather than after the node's next status report",
      "or their backoff (up to 500 ms). The body is not read; a lost message costs only that wait.",
      "",
      "**Status reports.** A spearlet publishes one `NodeStatusReported` per message on `spear.status.<nodeId>`",
      "(stream `SPEAR_STATUS`): a heartbeat every interval even when idle (usage: `cpuPercent` over the interval,",
      "`memoryMb`, `memoryPercent`, `load1`, `running`, `slots`; `instances` per function version: ready, busy, total),",
      "plus the instance state transitions and invocation outcomes since the last report, flushed 250 ms after the",
      "first one waits or at 256 items (both configurable; a report never holds more). `draining` is true from the",
      "moment the node starts a graceful stop. The control plane's liveness declares a node lost when its reports stop;",
      "the scheduler reads load and warm instances from them.",
      "",
      "```json",
      r.schema(NodeStatusReported, "output"),
      "```",
    ],
  };

  const verbs: Section = {
    title: "Spearlet nodes",
    render: () => [
      "Each spearlet answers for itself on `spear.api.nodes.<nodeId>.<verb>` (core NATS request/reply, the reply",
      "envelope above): `nats req spear.api.nodes.n1.stats '{}'`. No SMS replica serves these subjects; a node that is",
      "not running leaves them without responders (`service_unavailable` from the typed client).",
      "",
      "| subject | kind | what it does |",
      "|---|---|---|",
      ...nodeAgentEndpoints.map((e) => `| \`${e.subject}\` | ${e.kind} | ${e.description.split(": ")[0]!.replace(/\.$/, "")} |`),
      ...nodeAgentEndpoints.flatMap((e) => r.endpoint(e)),
    ],
  };

  return [contract, verbs];
}
