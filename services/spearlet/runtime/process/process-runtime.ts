import { chmod, chown, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { SpearError } from "../../../../domain/errors.js";
import { parseConfig } from "../../../config.js";
import { createLogger, type Logger } from "../../../logger.js";
import type { InstanceSpec, RuntimeIsolationGap, Runtime, RuntimeInstance } from "../runtime.js";
import { findOnPath, resolveCommand, workerEnv } from "./command.js";
import type { WorkerLimits } from "./limits.js";
import { PerCallProcessInstance } from "./per-call-process-instance.js";
import { CONFINED_DIR, probeSandbox, unconfined, type Confinement, type SandboxTools } from "./sandbox.js";
import { UidPool } from "./uid-pool.js";
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
  /** Confine workers (namespaces, a uid per instance) where the machine can; off runs them as the spearlet's user, reported as gaps. */
  confine: z.boolean().default(true),
  /** The uids instances run as, one each (no account should own any of them). */
  uids: z.object({ first: z.number().int().min(1).max(2 ** 31), count: z.number().int().min(1).max(2 ** 30) }).default({ first: 100_000_000, count: 10_000_000 }),
  /** Descriptors a worker may hold open at once (RLIMIT_NOFILE). */
  maxOpenFiles: z.number().int().positive().default(1_024),
  /** The largest file a worker may write (RLIMIT_FSIZE). */
  maxFileMb: z.number().int().positive().default(1_024),
  /** Processes an instance may run at once (RLIMIT_NPROC of its own uid; only when confined). */
  maxProcesses: z.number().int().positive().default(256),
});
export type ProcessRuntimeOptions = z.input<typeof ProcessRuntimeOptions>;

/**
 * Runs functions as native processes under `prlimit`: warm (a long-lived worker per instance
 * speaking JSON lines) or per call (one process per call). Workers get the function's
 * environment only, a private empty working folder, limits on memory, CPU, open files and file
 * size, and, where the machine allows (root), namespaces and a uid of their own (sandbox.ts).
 * What cannot be had is reported by `isolationGaps()`, never silently left out.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = "process" as const;
  private readonly o: z.output<typeof ProcessRuntimeOptions>;
  private readonly prlimit: string | undefined;
  private readonly log: Logger;
  private readonly uids: UidPool;
  private sandbox?: Promise<{ tools: SandboxTools | null; gaps: RuntimeIsolationGap[] }>;
  private gaps: readonly RuntimeIsolationGap[] = [];

  constructor(options: ProcessRuntimeOptions = {}, log?: Logger) {
    this.o = parseConfig(ProcessRuntimeOptions, options, "process runtime options");
    this.prlimit = findOnPath("prlimit", process.env.PATH);
    this.log = (log ?? createLogger({ level: "silent" })).child({ runtime: "process" });
    this.uids = new UidPool(this.o.uids);
  }

  /** Tried once: whether workers can be confined here, and what is missing when not. */
  private sandboxTools(): Promise<SandboxTools | null> {
    this.sandbox ??= this.o.confine
      ? probeSandbox(process.env.PATH)
      : Promise.resolve({ tools: null, gaps: unconfined("confinement is turned off in the process runtime's options") });
    return this.sandbox.then((s) => {
      this.gaps = s.gaps;
      return s.tools;
    });
  }

  isolationGaps(): readonly RuntimeIsolationGap[] {
    return this.gaps;
  }

  async available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (process.platform !== "linux") return { ok: false, reason: `process workers need Linux (prlimit, process groups); this is ${process.platform}` };
    if (!this.prlimit) return { ok: false, reason: "prlimit is not installed (Debian package util-linux: apt-get install -y util-linux)" };
    await this.sandboxTools();
    return { ok: true };
  }

  async createInstance(instance: InstanceSpec): Promise<RuntimeInstance> {
    const { spec, instanceId } = instance;
    if (spec.runtime !== "process") throw new SpearError("invalid_argument", `the process runtime cannot run a ${spec.runtime} function`);
    const ready = await this.available();
    if (!ready.ok) throw new SpearError("instance_start_failed", `process runtime unavailable: ${ready.reason}`);
    const tools = await this.sandboxTools();
    await mkdir(this.o.workRoot, { recursive: true });
    const dir = await mkdtemp(join(this.o.workRoot, `${instanceId}-`));
    const uid = tools ? this.uids.take() : undefined;
    // Once only: a failed start releases it both when the instance is disposed and here.
    let released = false;
    const release = () => {
      if (uid !== undefined && !released) this.uids.release(uid);
      released = true;
    };
    try {
      const confinement: Confinement | undefined = tools && uid !== undefined ? { tools, uid, dir, network: spec.grants.network, visible: [resolve(this.o.baseDir)] } : undefined;
      const artifact = confinement && instance.binary ? await this.shareArtifact(instance.binary.path, dir) : undefined;
      const command = await resolveCommand(instance, this.o.baseDir, process.env.PATH, artifact);
      if (confinement) await chown(dir, confinement.uid, confinement.uid);
      const workerLimits: WorkerLimits = {
        openFiles: this.o.maxOpenFiles,
        fileMb: this.o.maxFileMb,
        processes: confinement ? this.o.maxProcesses : null,
      };
      const common = {
        id: instanceId,
        prlimit: this.prlimit!,
        command,
        env: workerEnv(spec.env),
        dir,
        memoryMb: spec.limits.memoryMb,
        workerLimits,
        confinement,
        stderrTailBytes: this.o.stderrTailBytes,
        onTerminated: release,
      };
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
      release();
      throw e;
    }
  }

  /**
   * A confined worker cannot reach the binary cache (the node's folder is the spearlet's alone),
   * so it gets its own read-only copy in its folder, which it sees under CONFINED_DIR.
   */
  private async shareArtifact(path: string, dir: string): Promise<string> {
    const name = basename(path);
    const copy = join(dir, name);
    await copyFile(path, copy);
    await chmod(copy, 0o555);
    return join(CONFINED_DIR, name);
  }
}
