import { describe, expect, it } from "vitest";
import type { PoolDefinition } from "../../../../domain/events/pool.js";
import { PoolSpec } from "../../../../domain/pool/commands.js";
import { generatedPoolId, isMember, membershipRule, requiredLanguages, type PoolNode } from "../../../../domain/pool/membership.js";

const def = (spec: unknown): PoolDefinition => ({ ...PoolSpec.parse(spec), generated: false });
const node = (id: string, services: string[], languages: string[], state = "online"): PoolNode => ({ id, state, capabilities: { services, languages } });
const member = (spec: unknown, n: PoolNode) => isMember(membershipRule(def(spec)), n);

describe("pool membership", () => {
  it("contains: the node offers at least the required services", () => {
    expect(member({ name: "p", requiredServices: ["asr"] }, node("a", ["asr", "tts"], []))).toBe(true);
    expect(member({ name: "p", requiredServices: ["asr", "nmt"] }, node("a", ["asr"], []))).toBe(false);
  });

  it("exact: the node offers exactly the required services", () => {
    expect(member({ name: "p", requiredServices: ["asr"], matchMode: "exact" }, node("a", ["asr"], ["en"]))).toBe(true);
    expect(member({ name: "p", requiredServices: ["asr"], matchMode: "exact" }, node("a", ["asr", "tts"], []))).toBe(false);
  });

  it("any-to-any pools put no condition on languages", () => {
    expect(member({ name: "p" }, node("a", [], []))).toBe(true);
    expect(requiredLanguages(def({ name: "p" }))).toBeNull();
  });

  it("a member speaks every language of every pair the pool admits", () => {
    const spec = { name: "p", languages: { sources: ["en", "de"], targets: ["zh"] } };
    expect(requiredLanguages(def(spec))).toEqual(["de", "en", "zh"]);
    expect(member(spec, node("a", [], ["en", "zh", "de", "ja"]))).toBe(true);
    expect(member(spec, node("a", [], ["en", "zh"]))).toBe(false);
    expect(member({ ...spec, matchMode: "exact" }, node("a", [], ["en", "zh", "de", "ja"]))).toBe(false);
    expect(member({ ...spec, matchMode: "exact" }, node("a", [], ["zh", "de", "en"]))).toBe(true);
  });

  it("listed pairs count, blocked pairs do not, and a pool that admits nothing has no members", () => {
    const listed = { name: "p", languages: { pairs: [{ source: "fr", target: "es" }], sources: ["en"], targets: ["zh"], blocked: [{ source: "en", target: "zh" }] } };
    expect(requiredLanguages(def(listed))).toEqual(["es", "fr"]);
    const nothing = { name: "p", languages: { sources: ["en"], targets: ["zh"], blocked: [{ source: "en", target: "zh" }] } };
    expect(member(nothing, node("a", [], ["en", "zh"]))).toBe(false);
  });

  it("deregistered nodes belong nowhere; lost and draining ones keep their place", () => {
    expect(member({ name: "p" }, node("a", [], [], "deregistered"))).toBe(false);
    expect(member({ name: "p" }, node("a", [], [], "lost"))).toBe(true);
    expect(member({ name: "p" }, node("a", [], [], "draining"))).toBe(true);
  });

  it("names generated pools readably when it can, by hash otherwise, without collisions", () => {
    expect(generatedPoolId(["zh", "en", "en"])).toBe("auto-en_zh");
    expect(generatedPoolId(["zh-Hans", "en"])).toBe("auto-en_zh-Hans");
    const hashed = generatedPoolId(["pt_BR", "en"]);
    expect(hashed).toMatch(/^auto-_[0-9a-f]{16}$/);
    expect(generatedPoolId(["en", "pt_BR"])).toBe(hashed);
    expect(generatedPoolId(Array.from({ length: 20 }, (_, i) => `lang${i}`))).toMatch(/^auto-_/);
  });
});
