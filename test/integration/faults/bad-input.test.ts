import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { H } from "../../../domain/headers.js";
import { subjects } from "../../../domain/subjects.js";
import { SCHEDULER_CONSUMER } from "../../../services/scheduler/dispatcher.js";
import { streamNames } from "../../../streams/catalog.js";
import { getResult } from "../../../streams/invocations/results.js";
import { eventually } from "../../support/nats.js";
import { useFaultCluster } from "./fault-harness.js";

/**
 * What a careless or hostile client sends ends once, promptly, with a typed answer, and hurts
 * no process: deep inputs and outputs, garbage in Spear's headers, reply subjects that cannot
 * be published to.
 */
const cluster = useFaultCluster();
let spearlets: ReturnType<typeof cluster.spearlet>[] = [];

const alive = () => spearlets.every((c) => c.exitCode === null && c.signalCode === null);
const deep = (n: number) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown;
const settled = () =>
  eventually(async () => {
    const info = await cluster.nats.jsm.consumers.info(streamNames.invoke, SCHEDULER_CONSUMER);
    return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined;
  }, 10_000, 100);

describe("bad input", () => {
  it("refuses an input nested 2,500 levels deep as invalid_request; a deep output fails as invalid_output; every node lives on", async () => {
    await cluster.deploy("bad-echo");
    cluster.scheduler();
    spearlets = [cluster.spearlet("bad-1", 2), cluster.spearlet("bad-2", 2)];
    await cluster.online("bad-1");
    await cluster.online("bad-2");

    const nested = await cluster.call("bad-echo", { input: { echo: deep(2_500) } }, "bad-deep-in");
    expect(await nested.result(15_000)).toMatchObject({ status: "rejected", error: { code: "invalid_request" } });
    const output = await cluster.call("bad-echo", { input: { deep: 2_500 } }, "bad-deep-out");
    expect(await output.result(15_000)).toMatchObject({ status: "failed", error: { code: "invalid_output" }, attempts: 1 });
    expect(cluster.executions("bad-deep-in")).toBe(0);
    expect(cluster.executions("bad-deep-out")).toBe(1);
    const fine = await cluster.call("bad-echo", { input: { echo: deep(200) } }, "bad-deep-ok");
    expect(await fine.result(15_000)).toMatchObject({ status: "succeeded", output: deep(200) });
    expect(alive()).toBe(true);
  }, 60_000);

  it("ends a request with garbage in Spear's headers once, as rejected with a code and message naming the header, and acknowledges it", async () => {
    // The attempt headers count on the retry subject only (a client's are ignored): garbage there is what a broken scheduler or spearlet would send.
    const cases: [string, Record<string, string>, RegExp, string][] = [
      ["bad-submitted", { [H.submittedAt]: "garbage" }, /Spear-Submitted-At/, subjects.retry("bad-echo")],
      ["bad-attempt", { [H.attempt]: "1e20" }, /Spear-Attempt/, subjects.retry("bad-echo")],
      ["bad-exclude", { [H.excludeNodes]: "a b" }, /Spear-Exclude-Nodes/, subjects.retry("bad-echo")],
      ["bad-reply", { [H.replyTo]: "has spaces" }, /Spear-Reply-To/, subjects.invoke("bad-echo")],
    ];
    for (const [id, extra, , subject] of cases) {
      const h = headers();
      for (const [k, v] of Object.entries(extra)) h.set(k, v);
      await cluster.nats.js.publish(subject, JSON.stringify({ input: { echo: id } }), { msgID: id, headers: h });
    }
    for (const [id, , named] of cases) {
      const result = await eventually(() => getResult(cluster.nats.jsm, id), 10_000, 50);
      expect(result, id).toMatchObject({ status: "rejected", error: { code: "invalid_request" } });
      expect(result.error?.message).toMatch(named);
      expect(cluster.executions(id)).toBe(0);
    }
    await settled();
    expect(alive()).toBe(true);
  }, 60_000);
});
