import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { api } from "../../../domain/api/registry.js";
import { subjects } from "../../../domain/subjects.js";
import { streamNames } from "../../../streams/catalog.js";
import { decodeRecorded, rawOf } from "../../../streams/codec.js";
import { readStream } from "../../../streams/reader.js";
import { runCli } from "../../support/cli.js";
import { useSms } from "./harness.js";

// Two replicas in one queue group, as two schedulers would see them.
const sms = useSms({}, 2);
const dir = mkdtempSync(join(tmpdir(), "spear-pools-"));
const cli = (...args: string[]) => runCli([...args, "--nats", sms.server.url]);
const lines = (out: string) => out.split("\n").filter((l) => l.trim().length > 0);

const node = (nodeId: string, services: string[], languages: string[]) =>
  sms.call(api.nodes.register, { nodeId, name: nodeId, capabilities: { runtimes: ["wasm"], services, languages }, capacity: { slots: 2 } });

async function sessionEvents(id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readStream(sms.nats.js, streamNames.events, { filter: subjects.event("session", id) })) out.push(decodeRecorded(rawOf(m), streamNames.events).type);
  return out;
}

const poolsYaml = `
settings:
  autoGenerate: true
  tenantOverrides:
    acme: [speech]
pools:
  - id: speech
    name: Speech
    requiredServices: [asr]
  - id: en-zh
    name: English to Chinese
    languages: { sources: [en], targets: [zh] }
    matchMode: contains
`;

describe("pools", () => {
  it("spear pools apply defines pools and settings; ls shows members, generated pools included", async () => {
    await node("a", ["asr"], ["en", "zh"]);
    await node("b", [], ["en", "zh", "ja"]);
    await node("c", ["asr", "tts"], []);
    const file = join(dir, "pools.yaml");
    writeFileSync(file, poolsYaml);
    const applied = await cli("pools", "apply", file, "--json");
    expect(applied.stderr).toBe("");
    // Queries below may reach the other replica: minSeq makes it fold the apply first.
    const minSeq: number = JSON.parse(applied.stdout).seq;
    expect(JSON.parse(applied.stdout)).toMatchObject({
      pools: [
        { poolId: "speech", action: "created" },
        { poolId: "en-zh", action: "created" },
      ],
      settings: "changed",
    });
    const again = await cli("pools", "apply", file, "--json");
    expect(JSON.parse(again.stdout)).toMatchObject({ pools: [{ action: "unchanged" }, { action: "unchanged" }], settings: "unchanged" });

    const ls = await cli("pools", "ls", "--json");
    const pools = lines(ls.stdout).map((l) => JSON.parse(l));
    expect(pools.map((p) => [p.id, p.generated, p.memberCount])).toEqual([
      ["en-zh", false, 2],
      ["speech", false, 2],
      ["auto-en_ja_zh", true, 1],
      ["auto-en_zh", true, 2],
    ]);
    expect((await sms.call(api.pools.get, { poolId: "en-zh", minSeq })).members).toEqual(["a", "b"]);
    expect((await sms.call(api.nodes.get, { nodeId: "a", minSeq })).pools).toEqual(["en-zh", "speech", "auto-en_zh"]);
    const index = await sms.call(api.pools.index, { minSeq });
    expect(index.byLanguage.zh).toEqual(["a", "b"]);
    expect(index.poolsByPair["en>zh"]).toEqual(["en-zh", "auto-en_ja_zh", "auto-en_zh"]);
    expect(index.anyPairPools).toEqual(["speech"]);
    expect((await sms.call(api.pools.settings, { minSeq })).tenantOverrides).toEqual({ acme: ["speech"] });
    const table = await cli("pools", "ls");
    expect(table.stdout).toMatch(/auto-en_zh/);
    expect(table.stdout).toMatch(/tenant overrides: acme→speech/);
  });

  it("refuses bad documents whole, before writing anything", async () => {
    const before = await sms.lastEventSeq();
    expect(await sms.codeOf(api.pools.apply, { pools: [{ id: "x", name: "x" }, { id: "x", name: "again" }] })).toBe("invalid_argument");
    expect(await sms.codeOf(api.pools.apply, { settings: { tenantOverrides: { acme: ["nowhere"] } }, pools: [{ id: "y", name: "y" }] })).toBe("pool_not_found");
    expect(await sms.codeOf(api.pools.apply, { pools: [{ id: "bad id", name: "x" }] })).toBe("invalid_argument");
    expect(await sms.codeOf(api.pools.remove, { poolId: "nowhere" })).toBe("pool_not_found");
    expect(await sms.codeOf(api.pools.get, { poolId: "nowhere" })).toBe("pool_not_found");
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "pools: [ { id: x, name: ");
    const r = await cli("pools", "apply", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is neither JSON nor YAML.*\[invalid_argument\]/);
    expect(await sms.lastEventSeq()).toBe(before);
  });

  it("prunes configured pools the document does not list", async () => {
    const r = await sms.call(api.pools.apply, { pools: [{ id: "speech", name: "Speech", requiredServices: ["asr"] }], prune: true });
    expect(r.pools).toEqual([
      { poolId: "speech", action: "unchanged" },
      { poolId: "en-zh", action: "removed" },
    ]);
    const ids = (await sms.call(api.pools.list, { minSeq: r.seq })).items.map((p) => p.id);
    expect(ids).toEqual(["speech", "auto-en_ja_zh", "auto-en_zh"]);
  });
});

describe("sessions", () => {
  const enZh = { source: "en", target: "zh" };

  it("two concurrent binds with different pools end with exactly one binding event", async () => {
    for (let i = 0; i < 10; i++) {
      const sessionId = `race-${i}`;
      const outcomes = await Promise.allSettled([
        sms.call(api.sessions.bind, { sessionId, poolId: "speech", langPair: enZh }),
        sms.call(api.sessions.bind, { sessionId, poolId: "auto-en_zh", langPair: enZh }),
      ]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "session_already_bound" });
      expect(await sessionEvents(sessionId)).toEqual(["SessionBound"]);
      const winner = (won[0] as PromiseFulfilledResult<{ session: { poolId: string }; seq: number }>).value;
      const bound = await sms.call(api.sessions.get, { sessionId, minSeq: winner.seq });
      expect(bound.poolId).toBe(winner.session.poolId);
    }
  });

  it("rebinds on a new language pair, ends, and refuses what does not fit", async () => {
    const s = await sms.call(api.sessions.bind, { sessionId: "s1", poolId: "speech", langPair: enZh, tenant: "acme" });
    expect(s.session).toMatchObject({ poolId: "speech", langPair: enZh, tenant: "acme", ended: false });
    expect((await sms.call(api.sessions.bind, { sessionId: "s1", poolId: "speech", langPair: enZh })).seq).toBe(s.seq);
    const re = await sms.call(api.sessions.bind, { sessionId: "s1", poolId: "auto-en_ja_zh", langPair: { source: "en", target: "ja" } });
    expect(re.session).toMatchObject({ poolId: "auto-en_ja_zh", langPair: { source: "en", target: "ja" }, rebinds: 1 });

    const before = await sms.lastEventSeq();
    expect(await sms.codeOf(api.sessions.bind, { sessionId: "s1", poolId: "speech", langPair: { source: "en", target: "ja" } })).toBe("session_already_bound");
    expect(await sms.codeOf(api.sessions.bind, { sessionId: "s2", poolId: "nowhere" })).toBe("pool_not_found");
    expect(await sms.codeOf(api.sessions.end, { sessionId: "never" })).toBe("session_not_found");
    expect(await sms.codeOf(api.sessions.get, { sessionId: "never" })).toBe("session_not_found");
    expect(await sms.lastEventSeq()).toBe(before);

    expect((await sms.call(api.sessions.end, { sessionId: "s1" })).session).toMatchObject({ ended: true, endReason: "ended", poolId: null });
    expect(await sms.codeOf(api.sessions.end, { sessionId: "s1" })).toBe("session_ended");
    expect(await sessionEvents("s1")).toEqual(["SessionBound", "SessionRebound", "SessionEnded"]);

    const got = await cli("sessions", "get", "s1", "--json");
    expect(JSON.parse(got.stdout)).toMatchObject({ id: "s1", ended: true });
    const table = await cli("sessions", "get", "race-0");
    expect(table.stdout).toMatch(/race-0/);
  });
});
