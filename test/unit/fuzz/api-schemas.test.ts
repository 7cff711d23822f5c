import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnyEndpoint } from "../../../domain/api/endpoint.js";
import { invokeEndpoint } from "../../../domain/api/invoke.js";
import { nodeAgentEndpoints } from "../../../domain/api/node-agent.js";
import { apiEndpoints } from "../../../domain/api/registry.js";
import { apiSeeds, syncInvokeSeed } from "../../../bench/fuzz/api-seeds.js";
import { anyJsonishText, jsonValue, nestedText } from "../../../bench/fuzz/arbitraries/json.js";
import { mutated } from "../../../bench/fuzz/arbitraries/mutate.js";
import { runs, thrown, timed } from "./support/fuzz-config.js";

/**
 * Every request schema of the API (domain/api/*.ts) is what the control plane, the spearlets'
 * own verbs and the gateway validate a caller's body with. Whatever the body, validation must
 * answer (accepted or issues, never an exception) promptly, and what it accepts must be stable:
 * validating the accepted value again, after a trip through JSON, gives the same value.
 */
const seeds = apiSeeds({ functions: ["fuzz-echo"], nodes: ["fuzz-1"] });
const verbOf = (e: AnyEndpoint) => `${e.area}.${e.verb}`;
const endpoints: { name: string; endpoint: AnyEndpoint; seed: unknown }[] = [
  ...apiEndpoints.map((e) => ({ name: verbOf(e), endpoint: e, seed: seeds[verbOf(e)] })),
  { name: "invoke.<function>", endpoint: invokeEndpoint, seed: syncInvokeSeed("inv-1") },
  ...nodeAgentEndpoints.map((e) => ({ name: `nodes.<nodeId>.${e.verb}`, endpoint: e as AnyEndpoint, seed: {} })),
];

function expectStableOrRefused(e: AnyEndpoint, body: unknown): void {
  let r: ReturnType<AnyEndpoint["request"]["safeParse"]> | undefined;
  expect(thrown(() => (r = e.request.safeParse(body)))).toBeUndefined();
  if (!r!.success) {
    expect(r!.error.issues.length).toBeGreaterThan(0);
    return;
  }
  const text = JSON.stringify(r!.data);
  const again = e.request.safeParse(JSON.parse(text));
  expect(again.success).toBe(true);
  expect(JSON.stringify(again.data)).toBe(text);
}

describe("fuzz: the API request schemas (domain/api)", () => {
  it("has a valid seed request for every verb", () => {
    for (const { name, endpoint, seed } of endpoints) expect(endpoint.request.safeParse(seed).success, name).toBe(true);
  });

  for (const { name, endpoint, seed } of endpoints) {
    it(`${name}: answers any body (random, mutated, not an object) with the value or issues, stable when accepted`, () => {
      fc.assert(
        fc.property(fc.oneof(jsonValue(), mutated(seed), mutated(seed), anyJsonishText), (body) => expectStableOrRefused(endpoint, body)),
        runs(150),
      );
    });
  }

  it("answers bodies nested 100,000 levels, at the root or in any field, promptly", () => {
    const deep: unknown = JSON.parse(nestedText(100_000, "mixed"));
    for (const { name, endpoint, seed } of endpoints) {
      const bodies = [deep, ...Object.keys(seed as object).map((k) => ({ ...(seed as object), [k]: deep })), { ...(seed as object), extra: deep }];
      for (const body of bodies) {
        const { ms } = timed(() => expect(thrown(() => endpoint.request.safeParse(body)), name).toBeUndefined());
        expect(ms, name).toBeLessThan(1_000);
      }
    }
  });
});
