import { z } from "zod";
import { AggregateType, eventCatalog, eventTypes } from "../../domain/events/catalog.js";
import { H } from "../../domain/headers.js";

const subjectOf: Record<AggregateType, string> = {
  node: "spear.evt.node.<nodeId> (status reports: spear.status.<nodeId>)",
  function: "spear.evt.function.<name>",
  artifact: "spear.evt.artifact.<sha256>",
  pool: "spear.evt.pool.<poolId>",
  session: "spear.evt.session.<sessionId>",
  instance: "inside NodeStatusReported.transitions",
  invocation: "spear.invoke.<function>, spear.assign.<nodeId>, spear.result.<invocationId>",
};

/** docs/events.md, generated from the schemas so that it cannot drift (a unit test compares). */
export function renderEventsDoc(): string {
  const out: string[] = [
    "# Event catalog",
    "",
    "Generated from `domain/events/*.ts` by `npm run docs`; a unit test fails when this file and the schemas disagree.",
    "",
    "## Envelope",
    "",
    "Every event is one NATS message: a JSON body (the event's data, schemas below) and these headers.",
    "",
    "| header | meaning |",
    "|---|---|",
    `| \`${H.eventId}\` (also \`${H.msgId}\`) | unique event id; the server drops a repeat within the stream's duplicate window |`,
    `| \`${H.eventType}\` | the event type, a key of the catalog below |`,
    `| \`${H.schemaVersion}\` | the body's schema version; older versions are upcast on read |`,
    `| \`${H.aggregateType}\` / \`${H.aggregateId}\` | the aggregate the event belongs to |`,
    `| \`${H.occurredAt}\` | ISO-8601 time the event was decided |`,
    `| \`${H.correlationId}\` / \`${H.causationId}\` | the request it belongs to / the message that caused it (optional) |`,
    `| \`${H.traceparent}\` / \`${H.tracestate}\` | the W3C trace context of an invocation's request, assignment and result (optional; api.md, Trace context) |`,
    "",
    "Messages that any client may publish without these headers get them implied by their stream: a body on",
    "`spear.invoke.<function>` is `InvocationRequested` (id from `Nats-Msg-Id`), on `spear.status.<nodeId>` is",
    "`NodeStatusReported`, on `spear.assign.<nodeId>` is `InvocationAssigned`, on `spear.result.<id>` is `InvocationFinished`.",
    "",
    "## Upcasting",
    "",
    "| event | stored versions read | current |",
    "|---|---|---|",
  ];
  for (const type of eventTypes) {
    const def = eventCatalog[type];
    if (def.version > 1) out.push(`| ${type} | ${Array.from({ length: def.version }, (_, i) => i + 1).join(", ")} | ${def.version} |`);
  }
  for (const aggregate of AggregateType.options) {
    out.push("", `## ${aggregate}`, "", `Subject: \`${subjectOf[aggregate]}\``);
    for (const type of eventTypes.filter((t) => eventCatalog[t].aggregate === aggregate)) {
      const def = eventCatalog[type];
      const schema = z.toJSONSchema(def.schema, { io: "input", unrepresentable: "any" });
      delete (schema as Record<string, unknown>).$schema;
      out.push("", `### ${type} (v${def.version})`, "", def.description, "", "```json", JSON.stringify(schema), "```");
    }
  }
  return `${out.join("\n")}\n`;
}
