import type Docker from "dockerode";
import type { ContainerCreateOptions } from "dockerode";
import { PassThrough, type Duplex } from "node:stream";
import { SpearError } from "../../../../domain/errors.js";
import { OutputTail } from "../process/output-tail.js";
import { statusOf } from "./docker-engine.js";

export interface ContainerExit {
  readonly code: number | null;
  /** The kernel's OOM killer ended it at the container's memory limit (the engine records this). */
  readonly oomKilled: boolean;
  /** The engine could not be asked (connection lost, container removed under us). */
  readonly error?: string;
}

/**
 * A started container with its stdin, stdout and stderr attached over one hijacked connection
 * (attached before start, so no output is missed). Stdout and stderr arrive multiplexed (no
 * TTY) and are split here; stdin is the connection's write side, and ending it closes the
 * container's stdin (the container was created with StdinOnce).
 */
export class AttachedContainer {
  readonly stdout = new PassThrough();
  readonly stderr: OutputTail;
  readonly exited: Promise<ContainerExit>;
  private exit?: ContainerExit;

  private constructor(
    readonly container: Docker.Container,
    readonly stdin: Duplex,
    stderrTailBytes: number,
  ) {
    this.stderr = new OutputTail(stderrTailBytes);
    const stderr = new PassThrough();
    stderr.on("data", (chunk: Buffer) => this.stderr.push(chunk));
    container.modem.demuxStream(stdin, this.stdout, stderr);
    // Errors surface as the end of the stream; the exit status says what happened.
    stdin.on("error", () => undefined);
    const streamEnded = new Promise<void>((resolve) => {
      stdin.once("close", resolve);
      stdin.once("end", resolve);
    });
    this.exited = container.wait().then(
      async (r: { StatusCode: number }) => {
        const info = await container.inspect().catch(() => undefined);
        // Give the attach stream a moment to deliver the last output before anyone reads it.
        await Promise.race([streamEnded, new Promise((r) => setTimeout(r, 1_000).unref())]);
        return (this.exit = { code: r.StatusCode, oomKilled: info?.State.OOMKilled ?? false });
      },
      (e: Error) => (this.exit = { code: null, oomKilled: false, error: e.message }),
    );
  }

  get exitInfo(): ContainerExit | undefined {
    return this.exit;
  }

  /** Creates, attaches and starts a container; a failure leaves no container behind. */
  static async start(docker: Docker, config: ContainerCreateOptions, stderrTailBytes: number): Promise<AttachedContainer> {
    let container: Docker.Container;
    try {
      container = await docker.createContainer(config);
    } catch (e) {
      if (statusOf(e) === 404)
        throw new SpearError("instance_start_failed", `image '${config.Image}' is not on this engine (images are built locally; none is pulled)`, { image: config.Image });
      throw new SpearError("instance_start_failed", `could not create a container of '${config.Image}': ${(e as Error).message}`, undefined, { cause: e });
    }
    try {
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
      await container.start();
      // Only now: a wait for "not-running" sent before the start could answer at once. What the
      // container wrote meanwhile waits in the paused stream until the demuxer reads it.
      return new AttachedContainer(container, stream, stderrTailBytes);
    } catch (e) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new SpearError("instance_start_failed", `container of '${config.Image}' did not start: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  /** SIGKILL to the container's processes; nothing to do when it has stopped. */
  async kill(): Promise<void> {
    await this.container.kill().catch(() => undefined);
  }

  /** Removes the container, killing it if it still runs; a container removed already is fine. */
  async remove(): Promise<void> {
    this.stdin.destroy();
    await this.container.remove({ force: true }).catch((e: unknown) => {
      if (statusOf(e) !== 404 && statusOf(e) !== 409) throw e;
    });
  }
}

/** "exited with code 3", "was killed by the OOM killer", for messages. */
export function describeContainerExit(exit: ContainerExit | undefined): string {
  if (!exit) return "is gone";
  if (exit.error) return `could not be watched (${exit.error})`;
  if (exit.oomKilled) return "was killed at its memory limit (OOM)";
  return `exited with code ${exit.code}`;
}
