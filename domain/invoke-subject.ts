import { H } from "./headers.js";
import { subjects } from "./subjects.js";

/**
 * Who a request of SPEAR_INVOKE comes from, as its subject says: `client` on
 * `spear.invoke.<function>` (anyone allowed to invoke), `retry` on `spear.invoke.<function>.retry`
 * (schedulers and spearlets only, as the NATS permissions enforce).
 */
export type RequestOrigin = "client" | "retry";

const prefix = subjects.invoke("");
const retrySuffix = subjects.retry("").slice(prefix.length);

/**
 * The function a subject of SPEAR_INVOKE names (not checked to be a function name) and who
 * published it. Undefined for a subject outside `spear.invoke.`.
 */
export function readInvokeSubject(subject: string): { readonly named: string; readonly origin: RequestOrigin } | undefined {
  if (!subject.startsWith(prefix)) return undefined;
  const rest = subject.slice(prefix.length);
  return rest.endsWith(retrySuffix) ? { named: rest.slice(0, -retrySuffix.length), origin: "retry" } : { named: rest, origin: "client" };
}

/**
 * The invocation id a message of SPEAR_INVOKE claims: `Spear-Invocation-Id` on the retry subject
 * only (a client's is data, not authority), else `Nats-Msg-Id`. Not checked to be an id.
 */
export function claimedInvocationId(subject: string, header: (name: string) => string | undefined): string | undefined {
  return (readInvokeSubject(subject)?.origin === "retry" ? header(H.invocationId) : undefined) ?? header(H.msgId);
}
