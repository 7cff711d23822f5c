import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { InvocationAssigned, InvocationFinished } from "../../../domain/events/invocation.js";
import { NodeStatusReported } from "../../../domain/events/status.js";
import { anyJsonishText, jsonValue, nestedText } from "../../../bench/fuzz/arbitraries/json.js";
import { mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { invocationAssigned, invocationFinished, nodeStatusReported } from "./support/event-arbitraries.js";
import { runs, thrown, timed } from "./support/fuzz-config.js";

/**
 * The schemas of what travels between the services (domain/events): the assignment a
 * spearlet takes, the status report the control plane and schedulers fold, the final result
 * every caller reads. Valid values survive JSON unchanged; anything else is refused with
 * issues, never an exception, and promptly.
 */
const schemas: { name: string; schema: z.ZodType; valid: fc.Arbitrary<unknown> }[] = [
  { name: "InvocationAssigned", schema: InvocationAssigned, valid: invocationAssigned },
  { name: "NodeStatusReported", schema: NodeStatusReported, valid: nodeStatusReported },
  { name: "InvocationFinished", schema: InvocationFinished, valid: invocationFinished },
];

describe("fuzz: the assignment, status report and result schemas (domain/events)", () => {
  for (const { name, schema, valid } of schemas) {
    it(`${name}: valid values round-trip through JSON unchanged`, () => {
      fc.assert(
        fc.property(valid, (v) => {
          const text = JSON.stringify(v);
          const r = schema.safeParse(JSON.parse(text));
          expect(r.success, r.error?.message).toBe(true);
          expect(JSON.stringify(schema.parse(JSON.parse(JSON.stringify(r.data))))).toBe(JSON.stringify(r.data));
        }),
        runs(500),
      );
    });

    it(`${name}: any other value is refused with issues or accepted stably, never thrown`, () => {
      fc.assert(
        fc.property(fc.oneof(valid.chain((v) => mutated(v)), jsonValue(), anyJsonishText), (body) => {
          let r: ReturnType<z.ZodType["safeParse"]> | undefined;
          expect(thrown(() => (r = schema.safeParse(body)))).toBeUndefined();
          if (r!.success) expect(schema.safeParse(JSON.parse(JSON.stringify(r!.data))).success).toBe(true);
        }),
        runs(1_000),
      );
    });

    it(`${name}: a body nested 100,000 levels, whole or in a field, is answered promptly`, () => {
      const deep: unknown = JSON.parse(nestedText(100_000, "mixed"));
      const sample = fc.sample(valid, { seed: 1, numRuns: 1 })[0] as Record<string, unknown>;
      for (const body of [deep, ...Object.keys(sample).map((k) => ({ ...sample, [k]: deep }))]) {
        const { ms } = timed(() => expect(thrown(() => schema.safeParse(body))).toBeUndefined());
        expect(ms).toBeLessThan(1_000);
      }
    });
  }
});
