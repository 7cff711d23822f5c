import fc from "fast-check";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { isErrorCode } from "../../../domain/errors.js";
import { MAX_JSON_DEPTH, valueDepth } from "../../../domain/json-limits.js";
import { collectBounded, parseOutput } from "../../../services/spearlet/runtime/process/bounded-output.js";
import type { InvokeOutcome } from "../../../services/spearlet/runtime/runtime.js";
import { callOutcome } from "../../../services/spearlet/runtime/wasm/call-outcome.js";
import type { InvokeReply, RunEnd } from "../../../services/spearlet/runtime/wasm/worker-protocol.js";
import { anyJsonishText, deepText, jsonValue, nestedText, randomBytes } from "../../../bench/fuzz/arbitraries/json.js";
import { runs, thrown, timed } from "./support/fuzz-config.js";

/**
 * What a guest leaves behind (a WASM module's stdout, exit and traps; a per-call process's
 * stdout) becomes the call's outcome. Whatever the guest printed, the outcome is a success with
 * JSON Spear can record (within the depth bound) or a failure with a code from the catalog.
 */
const enc = new TextEncoder();

function expectRecordable(o: InvokeOutcome): void {
  if (o.ok) {
    expect(valueDepth(o.output, MAX_JSON_DEPTH)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
    expect(() => JSON.stringify(o.output)).not.toThrow();
  } else {
    expect(isErrorCode(o.error.code), o.error.code).toBe(true);
    expect(typeof o.error.message).toBe("string");
  }
}

const stdoutArb = fc.oneof(
  jsonValue().map((v) => enc.encode(JSON.stringify(v))),
  anyJsonishText.map((t) => enc.encode(t)),
  deepText.map((t) => enc.encode(t)),
  randomBytes(),
  fc.constant(new Uint8Array(0)),
);
const endArb: fc.Arbitrary<RunEnd> = fc.oneof(
  fc.constant<RunEnd>({ kind: "returned" }),
  fc.integer({ min: -1, max: 300 }).map((code): RunEnd => ({ kind: "exited", code })),
  fc.string({ maxLength: 300 }).map((message): RunEnd => ({ kind: "trapped", message })),
  fc.string({ maxLength: 300 }).map((message): RunEnd => ({ kind: "link_failed", message })),
);
const replyArb: fc.Arbitrary<InvokeReply> = fc.record({
  end: endArb,
  stdout: stdoutArb,
  stderr: fc.string({ unit: "binary", maxLength: 2_000 }),
  outputOverflowed: fc.boolean(),
  denied: fc.option(fc.string({ maxLength: 100 }), { nil: null }),
  growRefused: fc.boolean(),
  memoryPages: fc.nat({ max: 65_536 }),
}).map((r) => ({
  type: "done",
  id: 1,
  end: r.end,
  io: { stdout: r.stdout, stderr: r.stderr, outputOverflowed: r.outputOverflowed, denied: r.denied },
  growRefused: r.growRefused,
  memoryPages: r.memoryPages,
  instantiated: true,
}));

describe("fuzz: WASM call outcomes (services/spearlet/runtime/wasm/call-outcome.ts)", () => {
  it("turns anything a module did into a recordable success or a typed failure", () => {
    fc.assert(
      fc.property(replyArb, fc.integer({ min: 1, max: 4_096 }), (reply, memoryMb) => {
        let o: InvokeOutcome | undefined;
        expect(thrown(() => (o = callOutcome(reply, 1, memoryMb)))).toBeUndefined();
        expectRecordable(o!);
      }),
      runs(1_500),
    );
  });

  it("reads back a module's JSON output unchanged", () => {
    fc.assert(
      fc.property(jsonValue(), fc.constantFrom("", "\n", "  \n"), (v, pad) => {
        const o = callOutcome({ type: "done", id: 1, end: { kind: "exited", code: 0 }, io: { stdout: enc.encode(JSON.stringify(v) + pad), stderr: "", outputOverflowed: false, denied: null }, growRefused: false, memoryPages: 1, instantiated: true }, 1, 128);
        expect(o.ok && JSON.stringify(o.output)).toBe(JSON.stringify(v));
      }),
      runs(1_000),
    );
  });

  it("refuses stdout nested 100,000 levels as invalid_output, promptly", () => {
    const reply = (text: string): InvokeReply => ({ type: "done", id: 1, end: { kind: "returned" }, io: { stdout: enc.encode(text), stderr: "", outputOverflowed: false, denied: null }, growRefused: false, memoryPages: 1, instantiated: true });
    for (const shape of ["array", "object", "mixed"] as const) {
      const { value, ms } = timed(() => callOutcome(reply(nestedText(100_000, shape)), 1, 128));
      expect(value).toMatchObject({ ok: false, error: { code: "invalid_output" } });
      expect(ms).toBeLessThan(2_000);
    }
  });
});

describe("fuzz: per-call process output (services/spearlet/runtime/process/bounded-output.ts)", () => {
  it("turns any stdout into one JSON value within the bound, or a problem, without throwing", () => {
    fc.assert(
      fc.property(fc.oneof(anyJsonishText, deepText, randomBytes().map((b) => Buffer.from(b).toString("utf8"))), (text) => {
        const r = parseOutput(text);
        if (r.ok) {
          expect(valueDepth(r.value, MAX_JSON_DEPTH)).toBeLessThanOrEqual(MAX_JSON_DEPTH);
          expect(() => JSON.stringify(r.value)).not.toThrow();
        } else expect(typeof r.problem).toBe("string");
      }),
      runs(1_500),
    );
  });

  it("keeps at most its bound of stdout and says when it overflowed, whatever the chunks", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 2_000 }), { maxLength: 30 }), fc.integer({ min: 0, max: 20_000 }), async (chunks, max) => {
        const stream = new PassThrough();
        let overflows = 0;
        const out = collectBounded(stream, max, () => overflows++);
        for (const c of chunks) stream.write(Buffer.from(c));
        stream.end();
        await new Promise((r) => stream.on("end", r).resume());
        const total = chunks.reduce((n, c) => n + c.length, 0);
        expect(out.overflowed).toBe(total > max);
        expect(overflows).toBe(total > max ? 1 : 0);
        const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
        // Past the bound nothing is kept; within it, every byte is.
        expect(out.text()).toBe(out.overflowed ? "" : all.toString("utf8"));
      }),
      runs(500),
    );
  });
});
