import type { ContainerCreateOptions } from "dockerode";
import type { InstanceSpec } from "../runtime.js";
import { LABEL } from "./labels.js";

export interface ContainerLimits {
  /** CPUs the container may use (the function spec has no CPU limit of its own). */
  readonly cpus: number;
  readonly pidsLimit: number;
}

/**
 * What `docker run` would be for one instance: the function's image, its command (`command`
 * replaces the image's CMD, `entry` its ENTRYPOINT) and environment, no network at all
 * (`--network none`), memory without swap, a CPU share, a cap on processes, no capabilities,
 * no privilege gain. Stdin stays open for one attached client and closes when it leaves, so a
 * worker sees end of input when the spearlet goes away.
 */
export function containerConfig(
  instance: InstanceSpec,
  o: { readonly ownerId: string; readonly limits: ContainerLimits; readonly extraLabels?: Record<string, string> },
): ContainerCreateOptions {
  const { spec } = instance;
  const memory = spec.limits.memoryMb * 1024 * 1024;
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
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: "none",
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
