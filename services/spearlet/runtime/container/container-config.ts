import type { ContainerCreateOptions } from "dockerode";
import type { InstanceSpec } from "../runtime.js";
import { LABEL } from "./labels.js";

export interface ContainerLimits {
  /** CPUs the container may use (the function spec has no CPU limit of its own). */
  readonly cpus: number;
  readonly pidsLimit: number;
  /** Descriptors open at once (RLIMIT_NOFILE). */
  readonly openFiles: number;
  /** The largest file it may write (RLIMIT_FSIZE), and the size of its writable /tmp. */
  readonly fileMb: number;
}

/**
 * The user every container runs as, whatever the image says: `nobody`. Its files are the
 * image's (read-only) and its own /tmp. (RLIMIT_NPROC is not set: it counts per user across
 * the host, so containers sharing a uid would share it; the pids limit bounds processes.)
 */
export const CONTAINER_USER = "65534:65534";

/**
 * What `docker run` would be for one instance: the function's image, its command (`command`
 * replaces the image's CMD, `entry` its ENTRYPOINT) and environment, no network at all
 * (`--network none`) unless the function's `grants.network` (then the engine's default
 * network), a non-root user, a read-only root file system with a small private /tmp, memory
 * without swap, a CPU share, caps on processes, open files and file size, no capabilities, no
 * privilege gain. Stdin stays open for one attached client and closes when it leaves, so a
 * worker sees end of input when the spearlet goes away.
 */
export function containerConfig(
  instance: InstanceSpec,
  o: { readonly ownerId: string; readonly limits: ContainerLimits; readonly extraLabels?: Record<string, string> },
): ContainerCreateOptions {
  const { spec } = instance;
  const memory = spec.limits.memoryMb * 1024 * 1024;
  const fileBytes = o.limits.fileMb * 1024 * 1024;
  const network = spec.grants.network;
  return {
    Image: spec.image,
    ...(spec.command?.length ? { Cmd: [...spec.command] } : {}),
    ...(spec.entry ? { Entrypoint: [spec.entry] } : {}),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL.owner]: o.ownerId,
      [LABEL.instance]: instance.instanceId,
      [LABEL.function]: instance.function,
      [LABEL.version]: String(instance.version),
      [LABEL.mode]: spec.mode,
      ...o.extraLabels,
    },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    User: CONTAINER_USER,
    NetworkDisabled: !network,
    HostConfig: {
      NetworkMode: network ? "default" : "none",
      ReadonlyRootfs: true,
      // Counted against the memory limit like any tmpfs of the container.
      Tmpfs: { "/tmp": `rw,nosuid,nodev,size=${o.limits.fileMb}m` },
      Ulimits: [
        { Name: "nofile", Soft: o.limits.openFiles, Hard: o.limits.openFiles },
        { Name: "fsize", Soft: fileBytes, Hard: fileBytes },
        { Name: "core", Soft: 0, Hard: 0 },
      ],
      Memory: memory,
      MemorySwap: memory,
      NanoCpus: Math.round(o.limits.cpus * 1e9),
      PidsLimit: o.limits.pidsLimit,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      AutoRemove: false,
    },
  };
}
