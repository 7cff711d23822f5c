import { FunctionSpec } from "../../../../domain/events/function.js";
import type { InstanceStateChanged } from "../../../../domain/events/instance.js";
import { isSpearError, type SpearError } from "../../../../domain/errors.js";
import { canTransition } from "../../../../domain/instance/lifecycle.js";
import { InstancePool } from "../../../../services/spearlet/pool/instance-pool.js";
import type { InstancePoolSettingsInput } from "../../../../services/spearlet/pool/settings.js";
import { InProcessRuntime } from "../../../support/in-process-runtime.js";
import { ManualClock } from "../../../support/manual-clock.js";

export const callOpts = { invocationId: "inv-1", timeoutMs: 1_000 };

export const specWith = (scaling: { minWarm?: number; maxInstances?: number; idleTtlMs?: number } = {}) =>
  FunctionSpec.parse({ runtime: "process", command: ["fn"], scaling: { minWarm: 0, maxInstances: 16, idleTtlMs: 60_000, ...scaling } });

/** Lets every promise chain the in-process runtime started run to its end. */
export const settle = () => new Promise<void>((r) => setImmediate(r));

/** One pool over an in-process runtime with a manual clock, recording every reported transition. */
export function poolFixture(opts: { scaling?: Parameters<typeof specWith>[0]; settings?: InstancePoolSettingsInput; pausable?: boolean } = {}) {
  const clock = new ManualClock();
  const runtime = new InProcessRuntime({ pausable: opts.pausable ?? true });
  const events: InstanceStateChanged[] = [];
  let n = 0;
  const pool = new InstancePool({
    nodeId: "n1",
    function: "fn",
    version: 1,
    spec: specWith(opts.scaling),
    runtime,
    clock,
    settings: opts.settings ?? {},
    onTransition: (e) => events.push(e),
    newInstanceId: () => `fn-1-${++n}`,
  });
  /** The states one instance went through, in order. */
  const path = (instanceId: string) => events.filter((e) => e.instanceId === instanceId).map((e) => e.to);
  return { clock, runtime, events, pool, path };
}

/** Every reported change follows the lifecycle and continues where the previous one of its instance ended. */
export function expectConsistent(events: readonly InstanceStateChanged[]): void {
  const last = new Map<string, InstanceStateChanged["to"]>();
  for (const e of events) {
    if (e.from !== (last.get(e.instanceId) ?? null)) throw new Error(`${e.instanceId}: reported from ${e.from} but was ${last.get(e.instanceId)}`);
    if (!canTransition(e.from, e.to)) throw new Error(`${e.instanceId}: illegal ${e.from} → ${e.to}`);
    last.set(e.instanceId, e.to);
  }
}

export async function rejection(p: Promise<unknown>): Promise<SpearError> {
  try {
    await p;
  } catch (e) {
    if (isSpearError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection with a SpearError");
}
