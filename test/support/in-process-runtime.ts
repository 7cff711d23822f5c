import type { RuntimeKind } from "../../domain/ids.js";
import type { InstanceSpec, CallOptions, InvokeOutcome, Runtime, RuntimeErrorCode, RuntimeInstance } from "../../services/spearlet/runtime/runtime.js";

/**
 * What a call to an in-process instance does, read from its input: returns `echo` (or the whole
 * input) after reporting `durationMs`; fails with `fail` (and `broken`); holds until the gate
 * named `wait` opens.
 */
export interface InProcessInput {
  readonly echo?: unknown;
  readonly durationMs?: number;
  readonly fail?: RuntimeErrorCode;
  readonly broken?: boolean;
  readonly wait?: string;
}

export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/**
 * A Runtime whose instances are plain objects in this process, for tests of pools and
 * admission control: it records what the pool does to it (starts, pauses, resumes,
 * terminations, calls) and refuses misuse the way a real runtime would (a call on a paused or
 * terminated instance).
 */
export class InProcessRuntime implements Runtime {
  readonly kind: RuntimeKind;
  readonly instances: InProcessInstance[] = [];
  readonly specs: InstanceSpec[] = [];
  readonly #gates = new Map<string, Gate>();
  /** While set, starts wait for it to open (a start in progress can be observed). */
  startGate: Gate | undefined;
  /** The next this many starts fail. */
  failStarts = 0;

  constructor(readonly opts: { readonly kind?: RuntimeKind; readonly pausable?: boolean } = {}) {
    this.kind = opts.kind ?? "process";
  }

  async available(): Promise<{ readonly ok: true }> {
    return { ok: true };
  }

  gate(name: string): Gate {
    let g = this.#gates.get(name);
    if (!g) this.#gates.set(name, (g = gate()));
    return g;
  }

  async createInstance(spec: InstanceSpec): Promise<RuntimeInstance> {
    this.specs.push(spec);
    if (this.startGate) await this.startGate.opened;
    if (this.failStarts > 0) {
      this.failStarts -= 1;
      throw new Error(`start of ${spec.instanceId} failed on purpose`);
    }
    const instance = new InProcessInstance(spec.instanceId, (name) => this.gate(name));
    this.instances.push(instance);
    return this.opts.pausable === false ? instance.withoutPause() : instance;
  }

  byId(id: string): InProcessInstance {
    const i = this.instances.find((x) => x.id === id);
    if (!i) throw new Error(`no in-process instance ${id}`);
    return i;
  }
}

export class InProcessInstance implements RuntimeInstance {
  readonly calls: unknown[] = [];
  paused = false;
  terminated = false;
  pauses = 0;
  resumes = 0;
  running = 0;

  constructor(
    readonly id: string,
    private readonly gateOf: (name: string) => Gate,
  ) {}

  async invoke(input: unknown, _opts: CallOptions): Promise<InvokeOutcome> {
    if (this.paused) throw new Error(`instance ${this.id} was called while paused`);
    if (this.terminated) return { ok: false, error: { code: "instance_crashed", message: "terminated" }, durationMs: 0, instanceBroken: true };
    this.calls.push(input);
    this.running += 1;
    try {
      const i = (input ?? {}) as InProcessInput;
      if (i.wait) await this.gateOf(i.wait).opened;
      if (this.terminated) return { ok: false, error: { code: "instance_crashed", message: "terminated during the call" }, durationMs: 0, instanceBroken: true };
      const durationMs = i.durationMs ?? 1;
      if (i.fail) return { ok: false, error: { code: i.fail, message: `failed on purpose (${i.fail})` }, durationMs, instanceBroken: i.broken ?? false };
      return { ok: true, output: i.echo ?? input, durationMs };
    } finally {
      this.running -= 1;
    }
  }

  async pause(): Promise<void> {
    this.pauses += 1;
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.resumes += 1;
    this.paused = false;
  }

  async terminate(): Promise<void> {
    this.terminated = true;
  }

  /** The same instance seen through a runtime that cannot suspend instances. */
  withoutPause(): RuntimeInstance {
    return { id: this.id, invoke: (input, opts) => this.invoke(input, opts), terminate: () => this.terminate() };
  }
}
