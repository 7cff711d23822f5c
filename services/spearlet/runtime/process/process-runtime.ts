import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { SpearError } from "../../../../domain/errors.js";
import { parseConfig } from "../../../config.js";
import { createLogger, type Logger } from "../../../logger.js";
import type { InstanceSpec, Runtime, RuntimeInstance } from "../runtime.js";
import { findOnPath, resolveCommand, workerEnv } from "./command.js";
import { PerCallProcessInstance } from "./per-call-process-instance.js";
import { startWarmProcess } from "./warm-process-instance.js";
import { MAX_GUEST_OUTPUT_BYTES } from "../../../../domain/payloads.js";

export const ProcessRuntimeOptions = z.object({
  /** Where each instance gets its private working folder. */
  workRoot: z.string().min(1).default(join(tmpdir(), "spear-process")),
  /** Relative programs and file arguments of commands are taken from here (the folder deploys were written from). */
  baseDir: z.string().min(1).default(process.cwd()),
  /** A warm worker must write `{"ready":true}` within this. */
  startTimeoutMs: z.number().int().positive().default(10_000),
  /** After stdin closes, how long a warm worker may take to exit before it is killed. */
  stopGraceMs: z.number().int().nonnegative().default(2_000),
  /** Longest protocol line (warm) or whole stdout (per call) accepted from a worker. */
  maxOutputBytes: z.number().int().positive().default(MAX_GUEST_OUTPUT_BYTES),
  /** How much of a worker's stderr is kept for error messages. */
  stderrTailBytes: z.number().int().positive().default(8 * 1024),
  /** CPU seconds a warm worker may use beyond its current call's budget before its limit is moved. */
  cpuHeadroomSeconds: z.number().int().positive().default(60),
});
export type ProcessRuntimeOptions = z.input<typeof ProcessRuntimeOptions>;

/**
 * Runs functions as native processes under `prlimit`: warm (a long-lived worker per instance
 * speaking JSON lines) or per call (one process per call). Workers get the function's
 * environment only, a private empty working folder, and a memory and CPU limit.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = "process" as const;
  private readonly o: z.output<typeof ProcessRuntimeOptions>;
  private readonly prlimit: string | undefined;
  private readonly log: Logger;

  constructor(options: ProcessRuntimeOptions = {}, log?: Logger) {
    this.o = parseConfig(ProcessRuntimeOptions, options, "process runtime options");
    this.prlimit = findOnPath("prlimit", process.env.PATH);
    this.log = (log ?? createLogger({ level: "silent" })).child({ runtime: "process" });
  }

  async available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (process.platform !== "linux") return { ok: false, reason: `process workers need Linux (prlimit, process groups); this is ${process.platform}` };
    if (!this.prlimit) return { ok: false, reason: "prlimit is not installed (Debian package util-linux: apt-get install -y util-linux)" };
    return { ok: true };
  }

  async createInstance(instance: InstanceSpec): Promise<RuntimeInstance> {
    const { spec, instanceId } = instance;
    if (spec.runtime !== "process") throw new SpearError("invalid_argument", `the process runtime cannot run a ${spec.runtime} function`);
    const ready = await this.available();
    if (!ready.ok) throw new SpearError("instance_start_failed", `process runtime unavailable: ${ready.reason}`);
    const command = await resolveCommand(instance, this.o.baseDir, process.env.PATH);
    await mkdir(this.o.workRoot, { recursive: true });
    const dir = await mkdtemp(join(this.o.workRoot, `${instanceId}-`));
    const common = {
      id: instanceId,
      prlimit: this.prlimit!,
      command,
      env: workerEnv(spec.env),
      dir,
      memoryMb: spec.limits.memoryMb,
      stderrTailBytes: this.o.stderrTailBytes,
    };
    try {
      if (spec.mode === "per-call") return new PerCallProcessInstance({ ...common, maxOutputBytes: this.o.maxOutputBytes });
      return await startWarmProcess({
        ...common,
        timeoutMs: spec.limits.timeoutMs,
        startTimeoutMs: this.o.startTimeoutMs,
        stopGraceMs: this.o.stopGraceMs,
        maxLineBytes: this.o.maxOutputBytes,
        cpuHeadroomSeconds: this.o.cpuHeadroomSeconds,
        log: this.log.child({ function: instance.function, version: instance.version }),
      });
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }
}
