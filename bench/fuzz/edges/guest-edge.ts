import fc from "fast-check";
import { MAX_JSON_DEPTH } from "../../../domain/json-limits.js";
import { subjects } from "../../../domain/subjects.js";
import { anyJsonishText, depthArb, jsonValue } from "../arbitraries/json.js";
import { FUZZ_FUNCTIONS } from "../functions.js";
import type { Verdict } from "../tally.js";
import type { Edge } from "./edge.js";
import { invocationIdOf, publishAndJudge } from "./invoke-edge.js";
import { H } from "../../../domain/headers.js";

/**
 * Calls that make the guests misbehave: the process guest (bench/fuzz/guest.cjs, warm and per
 * call) answers with what its input asks for (random lines, deep or huge output, wrong ids,
 * extra lines, exits, hangs); the raw WASM module prints the text it is given; the echo module
 * prints its input back. Each call must end with a typed final result, and the node must live.
 */
export type GuestMessage =
  | { readonly fn: "guest" | "once"; readonly input: Record<string, unknown> }
  | { readonly fn: "raw"; readonly text: string }
  | { readonly fn: "echo"; readonly value: unknown };

const guestInput: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  jsonValue().map((value) => ({ mode: "echo", value })),
  anyJsonishText.map((line) => ({ mode: "raw", line })),
  depthArb.map((n) => ({ mode: "deep", n })),
  fc.constantFrom(1_000, 500_000, 1_100_000, 17_000_000).map((n) => ({ mode: "huge", n })),
  fc.constantFrom("wrong-id", "no-output", "two-lines", "ready-again", "blank-lines", "crlf", "binary", "stderr", "partial", "hang").map((mode) => ({ mode })),
  fc.integer({ min: 0, max: 255 }).map((code) => ({ mode: "exit", code })),
  fc.record({ mode: fc.constant("error"), message: fc.oneof(fc.string({ maxLength: 100 }), fc.constant("m".repeat(5_000))), code: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }) }),
);

export function guestEdge(): Edge<GuestMessage> {
  const arbitrary: fc.Arbitrary<GuestMessage> = fc.oneof(
    { arbitrary: guestInput.map((input): GuestMessage => ({ fn: "guest", input })), weight: 5 },
    { arbitrary: guestInput.map((input): GuestMessage => ({ fn: "once", input })), weight: 2 },
    { arbitrary: fc.oneof(anyJsonishText, depthArb.map((n) => "[".repeat(n) + "]".repeat(n)), fc.constant("")).map((text): GuestMessage => ({ fn: "raw", text })), weight: 2 },
    { arbitrary: jsonValue().map((value): GuestMessage => ({ fn: "echo", value })), weight: 1 },
  );
  return {
    arbitrary,
    describe: (m) => `call ${FUZZ_FUNCTIONS[m.fn]} with input ${(JSON.stringify("input" in m ? m.input : "text" in m ? m.text : m.value) ?? "").slice(0, 300)}`,
    async send(ctx, m, index) {
      const input = "input" in m ? m.input : "text" in m ? m.text : m.value;
      const body = new TextEncoder().encode(JSON.stringify({ input }));
      const hdrs = { [H.msgId]: invocationIdOf(ctx, index), [H.replyTo]: ctx.replies.subject(index) };
      const v = await publishAndJudge(ctx, subjects.invoke(FUZZ_FUNCTIONS[m.fn]), body, hdrs, index);
      return expectation(m, v);
    },
  };
}

/**
 * Where the outcome is certain, it is checked too: an echo that succeeds returns its input, and
 * an output nested past the bound never succeeds. (Any typed refusal, no_capacity under load
 * say, is an answer the contract allows.)
 */
function expectation(m: GuestMessage, v: Verdict & { result?: { output?: unknown } }): Verdict {
  if (v.kind !== "accepted") return v;
  const echo = m.fn === "echo" ? m.value : "input" in m && m.input.mode === "echo" ? m.input.value : undefined;
  if (echo !== undefined && JSON.stringify(v.result?.output) !== JSON.stringify(echo)) {
    return { kind: "untyped", code: v.code, problem: "the echo answered something other than its input" };
  }
  const deep = "input" in m && m.input.mode === "deep" && Number(m.input.n) > MAX_JSON_DEPTH;
  if (deep) return { kind: "untyped", code: v.code, problem: `an output nested ${String(m.input.n)} levels succeeded` };
  return v;
}
