import type Docker from "dockerode";
import type { ContainerCreateOptions } from "dockerode";
import type { Readable, Writable } from "node:stream";
import type { Logger } from "../../../logger.js";
import type { OutputTail } from "../process/output-tail.js";
import { WarmInstance, type Worker } from "../process/warm-instance.js";
import type { RuntimeErrorCode } from "../runtime.js";
import { AttachedContainer, describeContainerExit, type ContainerExit } from "./attached-container.js";

export interface WarmContainerConfig {
  readonly id: string;
  readonly docker: Docker;
  readonly create: ContainerCreateOptions;
  readonly memoryMb: number;
  readonly startTimeoutMs: number;
  readonly stopGraceMs: number;
  readonly maxLineBytes: number;
  readonly stderrTailBytes: number;
  readonly log: Logger;
}

/**
 * Starts a warm container and resolves once its worker wrote `{"ready":true}`. The container
 * speaks the same JSON-lines protocol as a warm process, over its attached stdin and stdout.
 */
export async function startWarmContainer(c: WarmContainerConfig): Promise<WarmInstance<ContainerExit>> {
  const attached = await AttachedContainer.start(c.docker, c.create, c.stderrTailBytes);
  return WarmInstance.start({ ...c, what: "container" }, new WarmContainerWorker(attached));
}

class WarmContainerWorker implements Worker<ContainerExit> {
  constructor(private readonly a: AttachedContainer) {}

  get stdin(): Writable {
    return this.a.stdin;
  }
  get stdout(): Readable {
    return this.a.stdout;
  }
  get stderr(): OutputTail {
    return this.a.stderr;
  }
  get exited(): Promise<ContainerExit> {
    return this.a.exited;
  }
  get exitInfo(): ContainerExit | undefined {
    return this.a.exitInfo;
  }

  kill(): Promise<void> {
    return this.a.kill();
  }

  describe(exit: ContainerExit): string {
    return describeContainerExit(exit);
  }

  /** The engine records an OOM kill, so the memory limit needs no guessing here. */
  classify(exit: ContainerExit): RuntimeErrorCode {
    return exit.oomKilled ? "memory_limit_exceeded" : "instance_crashed";
  }

  dispose(): Promise<void> {
    return this.a.remove();
  }
}
