import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../services/config.js";
import { ByteSize, SmsConfig } from "../../../services/sms/config.js";
import { paginate, paginateOrdered } from "../../../services/api/paging.js";
import { subjectMatches } from "../../../services/sms/read-models.js";
import { parseRequirements } from "../../../services/cli/commands/functions.js";

describe("paging", () => {
  const ids = ["c", "a", "e", "b", "d"];
  it("pages in key order with the last key as cursor, whatever comes and goes", () => {
    const first = paginate(ids, (x) => x, { limit: 2 });
    expect(first).toEqual({ items: ["a", "b"], nextCursor: "b", total: 5 });
    const second = paginate(["a", "c", "d", "e", "bb"], (x) => x, { limit: 2, cursor: first.nextCursor! });
    expect(second.items).toEqual(["bb", "c"]);
    expect(paginate(ids, (x) => x, { limit: 2, cursor: "d" })).toEqual({ items: ["e"], nextCursor: null, total: 5 });
  });
  it("pages a list with its own order by position", () => {
    expect(paginateOrdered(ids, { limit: 3 })).toEqual({ items: ["c", "a", "e"], nextCursor: "3", total: 5 });
    expect(paginateOrdered(ids, { limit: 3, cursor: "3" })).toEqual({ items: ["b", "d"], nextCursor: null, total: 5 });
  });
});

describe("subject filters", () => {
  it("match like NATS wildcards", () => {
    expect(subjectMatches("spear.evt.>", "spear.evt.node.n1")).toBe(true);
    expect(subjectMatches("spear.evt.node.>", "spear.evt.node.n1")).toBe(true);
    expect(subjectMatches("spear.evt.node.>", "spear.evt.pool.p1")).toBe(false);
    expect(subjectMatches("spear.evt.*.n1", "spear.evt.node.n1")).toBe(true);
    expect(subjectMatches("spear.evt.>", "spear.evt")).toBe(false);
    expect(subjectMatches("spear.status.>", "spear.evt.node.n1")).toBe(false);
  });
});

describe("sms settings", () => {
  it("read sizes in bytes and binary or decimal units", () => {
    expect(ByteSize.parse("64MiB")).toBe(64 * 1024 * 1024);
    expect(ByteSize.parse("500kB")).toBe(500_000);
    expect(ByteSize.parse(4096)).toBe(4096);
    expect(ByteSize.safeParse("lots").success).toBe(false);
  });
  it("default to 5 s heartbeats, 15 s timeout, 64 MiB artifacts", () => {
    expect(parseConfig(SmsConfig, {})).toMatchObject({ heartbeatInterval: 5_000, heartbeatTimeout: 15_000, maxArtifactSize: 64 * 1024 * 1024 });
    expect(() => parseConfig(SmsConfig, { heartbeatInterval: "10s", heartbeatTimeout: "5s" })).toThrow(/heartbeatTimeout/);
  });
});

describe("--requires", () => {
  it("reads services, a language pair and labels", () => {
    expect(parseRequirements(["service:asr", "lang:en>zh-Hans", "label:gpu=a100"])).toEqual({
      services: ["asr"],
      labels: { gpu: "a100" },
      langPair: { source: "en", target: "zh-Hans" },
    });
    expect(() => parseRequirements(["gpu"])).toThrow(/none of service:NAME/);
    expect(() => parseRequirements(["lang:en"])).toThrow(/none of/);
  });
});
