import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { FunctionSpec } from "../../../domain/events/function.js";
import { containerConfig } from "../../../services/spearlet/runtime/container/container-config.js";
import { JsonLinesChannel } from "../../../services/spearlet/runtime/process/json-lines-channel.js";
import { exceededMemory, prlimitArgs } from "../../../services/spearlet/runtime/process/limits.js";
import { LineSplitter } from "../../../services/spearlet/runtime/process/line-splitter.js";
import { OutputTail } from "../../../services/spearlet/runtime/process/output-tail.js";
import { decodeResult, encodeRequest } from "../../../services/spearlet/runtime/process/protocol.js";

/** The JSON-lines wire contract and the pieces around it, over in-memory streams. */

function channel(maxLineBytes = 1024) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const violations: string[] = [];
  const requests: string[] = [];
  stdin.on("data", (c: Buffer) => requests.push(c.toString()));
  return { ch: new JsonLinesChannel(stdin, stdout, maxLineBytes, (p) => violations.push(p)), stdout, violations, requests };
}

describe("JSON-lines protocol", () => {
  it("encodes a request as one line and decodes both kinds of answer", () => {
    expect(encodeRequest("inv-1", { a: [1, "x"] })).toBe('{"id":"inv-1","input":{"a":[1,"x"]}}\n');
    expect(encodeRequest("inv-2", undefined)).toBe('{"id":"inv-2","input":null}\n');
    expect(decodeResult('{"id":"inv-1","output":null}')).toEqual({ id: "inv-1", ok: true, output: null });
    expect(decodeResult('{"id":"inv-1","output":{"n":1},"extra":true}')).toEqual({ id: "inv-1", ok: true, output: { n: 1 } });
    expect(decodeResult('{"id":"inv-1","error":{"message":"no","code":"bad_input"}}')).toEqual({ id: "inv-1", ok: false, message: "no", code: "bad_input" });
    expect(decodeResult('{"id":"inv-1"}')).toMatch(/not a result line/);
    expect(decodeResult("nope")).toMatch(/not JSON/);
    expect(decodeResult('{"id":"inv-1","error":"flat"}')).toMatch(/not a result line/);
  });

  it("waits for ready, carries one call and matches its answer by id, across chunk boundaries", async () => {
    const { ch, stdout, requests, violations } = channel();
    const ready = ch.ready();
    stdout.write('{"rea');
    stdout.write('dy":true}\n');
    await ready;
    const answer = ch.call("a1", { x: 1 });
    expect(requests.join("")).toBe('{"id":"a1","input":{"x":1}}\n');
    stdout.write('{"id":"a1","out');
    stdout.write('put":"é"}\r\n');
    expect(await answer).toEqual({ kind: "result", result: { id: "a1", ok: true, output: "é" } });
    expect(violations).toEqual([]);
  });

  it("reports protocol violations: a line before ready, a wrong id, an unsolicited line, a line too long", async () => {
    const early = channel();
    const ready = early.ch.ready();
    early.stdout.write("hello\n");
    await expect(ready).rejects.toThrow(/before \{"ready":true\}/);

    const wrongId = channel();
    wrongId.stdout.write('{"ready":true}\n');
    await wrongId.ch.ready();
    const call = wrongId.ch.call("a1", 1);
    wrongId.stdout.write('{"id":"zz","output":1}\n');
    expect(await call).toEqual({ kind: "violation", problem: "the worker answered id 'zz' to call 'a1'" });
    expect(await wrongId.ch.call("a2", 1)).toEqual({ kind: "closed" });

    const unsolicited = channel();
    unsolicited.stdout.write('{"ready":true}\n{"id":"x","output":1}\n');
    await new Promise((r) => setImmediate(r));
    expect(unsolicited.violations[0]).toMatch(/while no call was running/);

    const long = channel(64);
    long.stdout.write('{"ready":true}\n');
    await long.ch.ready();
    const big = long.ch.call("a1", 1);
    long.stdout.write(`{"id":"a1","output":"${"x".repeat(100)}`);
    expect(await big).toEqual({ kind: "violation", problem: "the worker wrote a line longer than 64 bytes", tooLong: true });
  });

  it("fails what waits when the worker goes away", async () => {
    const { ch, stdout } = channel();
    const ready = ch.ready();
    ch.close();
    await expect(ready).rejects.toThrow(/exited before it was ready/);
    const gone = channel();
    gone.stdout.write('{"ready":true}\n');
    await gone.ch.ready();
    const pending = gone.ch.call("a1", 1);
    gone.ch.close();
    expect(await pending).toEqual({ kind: "closed" });
    stdout.end();
  });
});

describe("pieces of the process and container runtimes", () => {
  it("splits lines and refuses an over-long one once", () => {
    const lines: string[] = [];
    let overflows = 0;
    const s = new LineSplitter(8, (l) => lines.push(l), () => overflows++);
    s.push(Buffer.from("ab\n\ncd"));
    s.push(Buffer.from("e\n123456789"));
    s.push(Buffer.from("0\nmore\n"));
    expect(lines).toEqual(["ab", "cde"]);
    expect(overflows).toBe(1);
  });

  it("keeps a bounded tail of stderr and what came since a mark", () => {
    const t = new OutputTail(10);
    t.push(Buffer.from("0123456789"));
    const mark = t.mark();
    t.push(Buffer.from("abc"));
    expect(t.text()).toBe("3456789abc");
    expect(t.text(mark)).toBe("abc");
  });

  it("limits memory with RLIMIT_DATA and recognises refused allocations of common runtimes", () => {
    const MiB = 1024 * 1024;
    expect(prlimitArgs(64, { soft: 3, hard: "unlimited" }, { openFiles: 100, fileMb: 8, processes: null })).toEqual([
      `--data=${64 * MiB}:${64 * MiB}`,
      "--cpu=3:unlimited",
      "--core=0:0",
      "--nofile=100:100",
      `--fsize=${8 * MiB}:${8 * MiB}`,
    ]);
    expect(prlimitArgs(64, { soft: 3, hard: 4 }, { openFiles: 100, fileMb: 8, processes: 32 })).toContain("--nproc=32:32");
    for (const msg of [
      "malloc: Cannot allocate memory",
      "FATAL ERROR: Committing semi space failed. Allocation failed - JavaScript heap out of memory",
      "terminate called after throwing an instance of 'std::bad_alloc'",
      "MemoryError",
      "memory allocation of 1048576 bytes failed",
      "fatal error: runtime: out of memory",
    ])
      expect(exceededMemory(msg), msg).toBe(true);
    expect(exceededMemory("TypeError: x is not a function")).toBe(false);
  });

  it("builds a container with no network, the memory limit without swap, and the owner's labels", () => {
    const spec = FunctionSpec.parse({ runtime: "container", image: "img:1", command: ["once"], env: { A: "1" }, limits: { memoryMb: 32 } });
    const limits = { cpus: 0.5, pidsLimit: 64, openFiles: 100, fileMb: 8 };
    const c = containerConfig({ instanceId: "i1", function: "f", version: 2, spec }, { ownerId: "node-1", limits });
    expect(c).toMatchObject({
      Image: "img:1",
      Cmd: ["once"],
      Env: ["A=1"],
      OpenStdin: true,
      StdinOnce: true,
      Tty: false,
      Labels: { "spear.owner": "node-1", "spear.instance": "i1", "spear.function": "f", "spear.version": "2", "spear.mode": "warm" },
      HostConfig: { NetworkMode: "none", Memory: 32 * 1024 * 1024, MemorySwap: 32 * 1024 * 1024, NanoCpus: 5e8, PidsLimit: 64, CapDrop: ["ALL"] },
    });
    expect(c.Entrypoint).toBeUndefined();
  });
});
