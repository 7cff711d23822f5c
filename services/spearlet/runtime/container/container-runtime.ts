import type Docker from "dockerode";
import { z } from "zod";
import { SpearError } from "../../../../domain/errors.js";
import { NodeId } from "../../../../domain/ids.js";
import { parseConfig } from "../../../config.js";
import { createLogger, type Logger } from "../../../logger.js";
import type { InstanceSpec, Runtime, RuntimeInstance } from "../runtime.js";
import { containerConfig } from "./container-config.js";
import { engineClient, pingEngine, statusOf } from "./docker-engine.js";
import { defaultSocketPath } from "./socket-path.js";
import { ownerFilter } from "./labels.js";
import { PerCallContainerInstance } from "./per-call-container-instance.js";
import { startWarmContainer } from "./warm-container-instance.js";
import { MAX_GUEST_OUTPUT_BYTES } from "../../../../domain/payloads.js";

export const ContainerRuntimeOptions = z.object({
  /** Whose containers these are (the spearlet's node id): the label leftovers are found by. */
  ownerId: NodeId,
  /** The Docker Engine's unix socket; default `DOCKER_HOST` (unix://) or /var/run/docker.sock. */
  socketPath: z.string().min(1).optional(),
  /** CPUs each container may use. */
  cpus: z.number().positive().max(1024).default(1),
  /** Most processes a container may hold (fork bombs stop here). */
  pidsLimit: z.number().int().positive().default(256),
  /** Descriptors a container may hold open at once (RLIMIT_NOFILE). */
  maxOpenFiles: z.number().int().positive().default(1_024),
  /** The largest file a container may write (RLIMIT_FSIZE), also the size of its /tmp. */
  maxFileMb: z.number().int().positive().default(64),
  /** Create, start and `{"ready":true}` of a warm container must fit in this. */
  startTimeoutMs: z.number().int().positive().default(30_000),
  /** After stdin closes, how long a warm container may take to exit before it is killed. */
  stopGraceMs: z.number().int().nonnegative().default(2_000),
  pingTimeoutMs: z.number().int().positive().default(2_000),
  /** Longest protocol line (warm) or whole stdout (per call) accepted from a container. */
  maxOutputBytes: z.number().int().positive().default(MAX_GUEST_OUTPUT_BYTES),
  stderrTailBytes: z.number().int().positive().default(8 * 1024),
});
export type ContainerRuntimeOptions = z.input<typeof ContainerRuntimeOptions>;

/**
 * Runs functions as containers through the Docker Engine API on its unix socket (dockerode):
 * warm containers speaking JSON lines on their attached stdin/stdout, or one container per
 * call. No network (`none`), memory without swap, a CPU share, a process cap; images are used
 * as the engine has them (built locally), never pulled.
 */
export class ContainerRuntime implements Runtime {
  readonly kind = "container" as const;
  private readonly o: z.output<typeof ContainerRuntimeOptions>;
  private readonly socketPath: string;
  private readonly docker: Docker;
  private readonly log: Logger;

  constructor(options: ContainerRuntimeOptions, log?: Logger) {
    this.o = parseConfig(ContainerRuntimeOptions, options, "container runtime options");
    this.socketPath = this.o.socketPath ?? defaultSocketPath();
    this.docker = engineClient(this.socketPath);
    this.log = (log ?? createLogger({ level: "silent" })).child({ runtime: "container" });
  }

  available(): Promise<{ ok: true } | { ok: false; reason: string }> {
    return pingEngine(this.docker, this.socketPath, this.o.pingTimeoutMs);
  }

  /**
   * Removes the containers this owner left behind (a spearlet that was killed cannot clean up);
   * other owners' containers on the same engine are left alone. Call it at start.
   */
  async removeLeftovers(): Promise<number> {
    const leftovers = await this.docker.listContainers({ all: true, filters: ownerFilter(this.o.ownerId) });
    await Promise.all(
      leftovers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch((e: unknown) => {
            if (statusOf(e) !== 404 && statusOf(e) !== 409) throw e;
          }),
      ),
    );
    if (leftovers.length > 0) this.log.info({ owner: this.o.ownerId, removed: leftovers.length }, "removed leftover containers");
    return leftovers.length;
  }

  async createInstance(instance: InstanceSpec): Promise<RuntimeInstance> {
    const { spec, instanceId } = instance;
    if (spec.runtime !== "container" || !spec.image)
      throw new SpearError("invalid_argument", `the container runtime runs container functions with an image, not a ${spec.runtime} function`);
    const limits = { cpus: this.o.cpus, pidsLimit: this.o.pidsLimit, openFiles: this.o.maxOpenFiles, fileMb: this.o.maxFileMb };
    const create = containerConfig(instance, { ownerId: this.o.ownerId, limits });
    if (spec.mode === "per-call") {
      await this.requireImage(spec.image);
      return new PerCallContainerInstance({
        id: instanceId,
        docker: this.docker,
        create,
        memoryMb: spec.limits.memoryMb,
        maxOutputBytes: this.o.maxOutputBytes,
        stderrTailBytes: this.o.stderrTailBytes,
      });
    }
    return startWarmContainer({
      id: instanceId,
      docker: this.docker,
      create: { ...create, name: `spear-${this.o.ownerId}-${instanceId}` },
      memoryMb: spec.limits.memoryMb,
      startTimeoutMs: this.o.startTimeoutMs,
      stopGraceMs: this.o.stopGraceMs,
      maxLineBytes: this.o.maxOutputBytes,
      stderrTailBytes: this.o.stderrTailBytes,
      log: this.log.child({ function: instance.function, version: instance.version, instance: instanceId }),
    });
  }

  private async requireImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
    } catch (e) {
      if (statusOf(e) === 404) throw new SpearError("instance_start_failed", `image '${image}' is not on this engine (images are built locally; none is pulled)`, { image });
      throw new SpearError("instance_start_failed", `the engine at ${this.socketPath} could not be asked about image '${image}': ${(e as Error).message}`);
    }
  }
}
