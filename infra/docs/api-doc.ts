import { z } from "zod";
import type { AnyEndpoint } from "../../domain/api/endpoint.js";
import { commonErrors } from "../../domain/api/endpoint.js";
import { api, apiEndpoints } from "../../domain/api/registry.js";
import { errorCatalog, type ErrorCode } from "../../domain/errors.js";
import { H } from "../../domain/headers.js";
import { gatewayDocSections } from "./gateway-doc.js";
import { invokeDocSections } from "./invoke-doc.js";
import { retryDocSection } from "./retry-doc.js";
import { spearletDocSections } from "./spearlet-doc.js";

/**
 * One part of docs/api.md. Later parts of the API (the invoke contract, the HTTP routes)
 * add a section to `apiDocSections`; the renderer and its test stay as they are.
 */
export interface ApiDocSection {
  readonly title: string;
  readonly render: () => readonly string[];
}

const schemaJson = (schema: z.ZodType, io: "input" | "output") => {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return JSON.stringify(json);
};

const codes = (list: readonly ErrorCode[]) => list.map((c) => `\`${c}\``).join(", ");

const overview: ApiDocSection = {
  title: "Calling the API",
  render: () => [
    "The control plane (`spear sms`, any number of replicas in the queue group `spear-sms`) answers request/reply",
    "messages on core NATS subjects `spear.api.<area>.<verb>`. Any NATS client can call it: send a JSON body to the",
    "subject with a reply inbox (`nats req spear.api.nodes.list '{}'`) and read one JSON reply.",
    "",
    `A request may carry the header \`${H.correlationId}\`; the events a command appends carry it too.`,
    "A header block that cannot be decoded (a name with a space, which nats-server passes on) counts as no headers,",
    "here and on every subject and stream Spear reads: the message is judged by what it says without them.",
    "That holds for answers too: a spearlet's answer to a probe or a node verb, or a request, status report or dead letter stored",
    "with an empty body and such headers, is an answer like any other and stops no reader (nats.js's own request",
    "and direct get read those headers inside the connection's read loop and stopped the connection reading until",
    "its pings found it stale, so Spear reads these through its reply inbox and the stream's message API).",
    "Bytes never travel in a request body (core NATS messages are limited to 1 MiB): artifacts go to the",
    "JetStream object store first (see `artifacts.prepare`).",
    "",
    "| subject | kind | what it does |",
    "|---|---|---|",
    ...apiEndpoints.map((e) => `| [\`${e.subject}\`](#${anchor(e)}) | ${e.kind} | ${e.description.split(". ")[0]!.replace(/\.$/, "")} |`),
  ],
};

const envelope: ApiDocSection = {
  title: "Replies",
  render: () => [
    "Every reply is one JSON object, whatever the verb:",
    "",
    "```json",
    '{ "ok": true, "result": { } }',
    '{ "ok": false, "error": { "code": "node_not_found", "message": "no node \'n7\' is registered", "details": { "nodeId": "n7" } } }',
    "```",
    "",
    "`code` is stable (the table at the end lists them all); branch on it, never on `message`. A body that is not",
    "JSON or does not match the verb's request schema is answered with `invalid_argument`, and `details.issues` names",
    "each problem (`{ path, message }`). A command that is refused appends nothing.",
  ],
};

const consistency: ApiDocSection = {
  title: "Paging and consistency",
  render: () => [
    "List verbs take `limit` (1–1000, default 100) and `cursor`, and answer `{ items, nextCursor, total }`; pass",
    "`nextCursor` back as `cursor` until it is null. Items come in key order (pools in ring order), and paging stays",
    "stable while items come and go.",
    "",
    "A command answers after the replica's read models have folded its events, and returns `seq`, the stream",
    "sequence of the aggregate after it. Queries answer from in-memory read models; another replica may lag by",
    "milliseconds, so a query that must see a write passes that `seq` as `minSeq`: the replica waits (bounded) until",
    "it has folded that far, or answers `timeout`.",
  ],
};

function anchor(e: AnyEndpoint): string {
  return e.subject.replace(/\./g, "");
}

function renderEndpoint(e: AnyEndpoint): string[] {
  return [
    "",
    `### ${e.subject}`,
    "",
    `${e.kind === "command" ? "Command" : "Query"}. ${e.description}`,
    "",
    `Errors: ${e.errors.length > 0 ? `${codes(e.errors)}, and the common ones` : "the common ones"}. Default client timeout: ${e.timeoutMs / 1000} s.`,
    "",
    "Request:",
    "",
    "```json",
    schemaJson(e.request, "input"),
    "```",
    "",
    "Result:",
    "",
    "```json",
    schemaJson(e.result, "output"),
    "```",
  ];
}

const endpoints: ApiDocSection = {
  title: "Verbs",
  render: () => Object.entries(api).flatMap(([area, verbs]) => ["", `## ${area}`, ...Object.values(verbs as Record<string, AnyEndpoint>).flatMap(renderEndpoint)]),
};

/** Codes a client can meet on this API besides those of the verbs: no replica, a reply too large to send. */
const transportErrors: readonly ErrorCode[] = ["service_unavailable", "payload_too_large"];

const errors: ApiDocSection = {
  title: "Error codes",
  render: () => {
    const everywhere = new Set<ErrorCode>([...commonErrors, ...transportErrors]);
    const byCode = new Map<ErrorCode, string[]>([...everywhere].map((c) => [c, ["any"]]));
    for (const e of apiEndpoints) {
      for (const c of e.errors) if (!everywhere.has(c)) byCode.set(c, [...(byCode.get(c) ?? []), `${e.area}.${e.verb}`]);
    }
    return [
      "`http` is the status the HTTP gateway answers with. `service_unavailable` and `timeout` are also what the",
      "typed client (`smsRequest`) throws when no replica answers or none answers in time.",
      "",
      "| code | http | meaning | verbs |",
      "|---|---|---|---|",
      ...[...byCode].map(([code, verbs]) => `| \`${code}\` | ${errorCatalog[code].http} | ${errorCatalog[code].text} | ${verbs.join(", ")} |`),
    ];
  },
};

export const apiDocSections: ApiDocSection[] = [
  overview,
  envelope,
  consistency,
  endpoints,
  ...invokeDocSections({ endpoint: renderEndpoint, schema: schemaJson }),
  ...gatewayDocSections(),
  ...spearletDocSections({ endpoint: renderEndpoint, schema: schemaJson }),
  errors,
  retryDocSection,
];

/** docs/api.md, generated from the endpoint registry so that it cannot drift (a unit test compares). */
export function renderApiDoc(sections: readonly ApiDocSection[] = apiDocSections): string {
  const out = [
    "# API",
    "",
    "Generated from `domain/api/*.ts` by `npm run docs`; a unit test fails when this file and the schemas disagree.",
  ];
  for (const s of sections) {
    const body = s.render();
    // The verbs section brings its own `##` headings, one per area.
    if (s === endpoints) out.push(...body);
    else out.push("", `## ${s.title}`, "", ...body);
  }
  return `${out.join("\n")}\n`;
}
