import { describe, expect, it } from "vitest";
import { ByteSize, parseConfig } from "../../../services/config.js";
import { SmsConfig } from "../../../services/sms/config.js";
import { subjectMatches } from "../../../services/sms/read-models.js";
import { parseRequirements } from "../../../services/cli/commands/functions.js";

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
