import type { MsgHdrsImpl } from "@nats-io/nats-core/internal";
import type { MsgHdrs } from "@nats-io/transport-node";
import fc from "fast-check";
import { H } from "../../../domain/headers.js";

/** Values that break a header's contract: numbers out of range or not integers, bad times, bad subjects, bad lists. */
const GARBAGE_VALUES: readonly string[] = [
  "garbage", "1e20", "-1", "0", "NaN", "Infinity", "9007199254740993", "1.5", " 2 ", "0x10", "",
  "2026-13-45T99:99:99Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "-271821-04-20T00:00:00Z",
  "has spaces", "_INBOX.*", "_INBOX.>", "a..b", ".lead", "trail.", "*", ">", "x".repeat(300), "\t",
  "ünïcödé", "n1,,n2", ",", "n1,not a node", Array.from({ length: 80 }, (_, i) => `n${i}`).join(","),
];

/** Reply subjects no one can publish to. */
export const BAD_REPLY_SUBJECTS: readonly string[] = ["has spaces", "_INBOX.*", "_INBOX.>", "a..b", ".lead", "trail.", "*", ">", " ", "\t", "tab\there"];

/** NATS refuses CR and LF in header values on the client side; everything else goes. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...GARBAGE_VALUES),
  fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !/[\r\n]/.test(s)),
  fc.integer().map(String),
);

/** The headers of the invoke contract, and names no one reads (valid header-name characters only). */
export const headerName: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(H.attempt, H.refusals, H.excludeNodes, H.submittedAt, H.invocationId, H.retryReason, H.correlationId, H.eventType, H.schemaVersion, H.occurredAt), weight: 4 },
  { arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,19}$/), weight: 1 },
);

/**
 * Header names nats.js refuses (it throws when it reads them) but nats-server passes on, as a
 * raw client in another language can send them: Spear must read such a header block as none.
 */
export const unreadableHeaderName: fc.Arbitrary<string> = fc.constantFrom("Bad Name", "Spear Attempt", "x y z", "tab\tname");

/** Adds a header under a name nats.js would refuse, past its check, as a raw client writes it. */
export function addUnreadable(h: MsgHdrs, name: string): void {
  (h as MsgHdrsImpl).headers.set(name, ["x"]);
}

/** A few headers, each with a value that may or may not fit its contract. */
export const headerMap: fc.Arbitrary<Record<string, string>> = fc.dictionary(headerName, headerValue, { maxKeys: 5 });
