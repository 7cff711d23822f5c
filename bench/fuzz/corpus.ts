import { H } from "../../domain/headers.js";
import { nestedText } from "./arbitraries/json.js";
import type { ApiMessage } from "./edges/api-edge.js";
import type { GuestMessage } from "./edges/guest-edge.js";
import type { HttpMessage } from "./edges/http-edge.js";
import type { InvokeMessage } from "./edges/invoke-edge.js";
import { FUZZ_FUNCTIONS } from "./functions.js";
import type { Edge } from "./params.js";

/**
 * Messages every run sends before the random ones: the inputs that once broke Spear (issue 11)
 * and their neighbours, so that even a short run checks each of them whatever the seed.
 */
export function regressionCorpus(): { edge: Edge; message: unknown }[] {
  const deep = (depth: number) => ({ kind: "deep" as const, depth, shape: "array" as const, field: "input" });
  const invoke = (over: Partial<InvokeMessage>): InvokeMessage => ({ fn: FUZZ_FUNCTIONS.guest, body: { kind: "json", value: { input: 1 } }, headers: {}, msgId: "unique", replyTo: "inbox", ...over });
  const invokes: InvokeMessage[] = [
    invoke({ headers: { [H.submittedAt]: "garbage" } }),
    invoke({ headers: { [H.attempt]: "1e20" } }),
    invoke({ headers: { [H.attempt]: "1e20" }, replyTo: "none" }),
    invoke({ headers: { [H.refusals]: "-1" } }),
    invoke({ headers: { [H.excludeNodes]: "n1,not a node" } }),
    invoke({ replyTo: { bad: "has spaces" } }),
    invoke({ replyTo: { bad: "_INBOX.*" } }),
    invoke({ replyTo: { bad: "_INBOX.>" } }),
    invoke({ fn: "fn$x" }),
    invoke({ fn: "a.b" }),
    invoke({ body: deep(2_500) }),
    invoke({ body: deep(100_000) }),
    invoke({ fn: FUZZ_FUNCTIONS.echo, body: { kind: "huge", size: 900_000, field: "input" } }),
    // Two requests naming one invocation (NATS trims the spaces) while it runs: each caller must hear its result.
    invoke({ headers: { [H.invocationId]: " fz-shared-id " }, body: { kind: "json", value: { input: { mode: "hang" } } } }),
    invoke({ headers: { [H.invocationId]: " fz-shared-id " }, body: { kind: "json", value: { input: { mode: "hang" } } } }),
  ];
  const guests: GuestMessage[] = [
    // A 2,500-level input echoed by a warm process function killed spearlets.
    { fn: "guest", input: { mode: "echo", value: JSON.parse(nestedText(2_500)) as unknown } },
    { fn: "guest", input: { mode: "deep", n: 2_500 } },
    { fn: "guest", input: { mode: "deep", n: 100_000 } },
    { fn: "once", input: { mode: "deep", n: 100_000 } },
    { fn: "raw", text: nestedText(100_000) },
    { fn: "guest", input: { mode: "huge", n: 1_100_000 } },
  ];
  const apis: ApiMessage[] = [
    { subject: `spear.api.invoke.${FUZZ_FUNCTIONS.guest}`, body: deep(2_500), invoke: true },
    { subject: "spear.api.functions.get", body: { kind: "deep", depth: 100_000, shape: "object" }, invoke: false },
    { subject: "spear.api.nodes.list", body: { kind: "empty" }, invoke: false },
    { subject: "spear.api.pools.apply", body: { kind: "text", text: "{" }, invoke: false },
  ];
  const https: HttpMessage[] = [
    { method: "POST", path: `/v1/functions/${FUZZ_FUNCTIONS.guest}:invoke`, query: "", headers: { "content-type": "application/json" }, body: deep(2_500) },
    { method: "GET", path: `/v1/invocations/${"i".repeat(8_000)}`, query: "", headers: {} },
    { method: "POST", path: `/v1/functions/${FUZZ_FUNCTIONS.echo}:invoke`, query: "?async=maybe", headers: { "content-type": "application/json" }, body: { kind: "huge", size: 1_100_000, field: "input" } },
    // A multipart deploy without a boundary, or with one the body never has.
    { method: "POST", path: "/v1/functions/fz-decoy-fn:deploy", query: "", headers: { "content-type": "multipart/form-data" }, body: { kind: "json", value: {} } },
    { method: "POST", path: "/v1/functions/fz-decoy-fn:deploy", query: "", headers: { "content-type": "multipart/form-data; boundary=x" }, body: { kind: "text", text: "--x\r\n" } },
  ];
  return [
    ...invokes.map((message) => ({ edge: "invoke" as const, message })),
    ...guests.map((message) => ({ edge: "guest" as const, message })),
    ...apis.map((message) => ({ edge: "api" as const, message })),
    ...https.map((message) => ({ edge: "http" as const, message })),
  ];
}
