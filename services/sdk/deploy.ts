import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { parseArgsStringToArgv } from "string-argv";
import { SpearError } from "../../domain/errors.js";
import type { z } from "zod";
import type { FunctionSpec, PlacementPolicy } from "../../domain/events/function.js";
import type { LanguagePair, RuntimeKind } from "../../domain/ids.js";
import { uploadArtifact, type UploadResult } from "../api/artifact-upload.js";

/** A file to upload: its path, or its bytes. */
export type ArtifactSource = string | Uint8Array;

/**
 * What `spear functions deploy` takes, as one object: exactly one of `wasm`, `process`,
 * `image`; the rest optional (the server's defaults apply: 30 s, 128 MB, 16 concurrent calls).
 */
export interface DeployDefinition {
  /** A WebAssembly module, uploaded as the artifact. */
  readonly wasm?: ArtifactSource;
  /** A command line run as a process: its argv, or one string split the way a shell would. */
  readonly process?: string | readonly string[];
  /** A container image. */
  readonly image?: string;
  /** A file the process runs, uploaded as the artifact. */
  readonly artifact?: ArtifactSource;
  readonly entry?: string;
  /** Warm instances serving many calls (the default), or one process or container per call. */
  readonly mode?: "warm" | "per-call";
  readonly env?: Readonly<Record<string, string>>;
  /** Placement requirements: services the node offers, a language pair, node labels. */
  readonly requires?: { readonly services?: readonly string[]; readonly langPair?: LanguagePair; readonly labels?: Readonly<Record<string, string>> };
  /** Per-call time limit. */
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  /** Concurrent calls per instance. */
  readonly maxConcurrency?: number;
  /** Instances kept warm. */
  readonly minWarm?: number;
  readonly maxInstances?: number;
  /** Idle time before an instance is reclaimed. */
  readonly idleTtlMs?: number;
  /** The default scheduling policy of the function. */
  readonly policy?: PlacementPolicy;
  /** Let a WASM module read its environment. */
  readonly allowEnv?: boolean;
  /** Directories a WASM module may open: guest path → host path. */
  readonly preopens?: Readonly<Record<string, string>>;
  /** Make the new version the active one (default true). */
  readonly activate?: boolean;
}

export function runtimeOf(d: DeployDefinition): RuntimeKind {
  const kinds = [d.wasm !== undefined && "wasm", d.process !== undefined && "process", d.image !== undefined && "container"].filter(Boolean) as RuntimeKind[];
  if (kinds.length !== 1) throw new SpearError("invalid_argument", "a deployment needs exactly one of wasm, process, image");
  if (d.artifact !== undefined && d.wasm !== undefined) throw new SpearError("invalid_argument", "give the module as wasm, not also as artifact");
  return kinds[0]!;
}

/**
 * Uploads an artifact given as bytes or a path, content-addressed (skipped when the store
 * has it). Bytes go through a private temporary file: the upload reads files.
 */
export async function uploadSource(nc: NatsConnection, js: JetStreamClient, source: ArtifactSource, name: string): Promise<UploadResult> {
  if (typeof source === "string") return uploadArtifact(nc, js, source);
  const dir = await mkdtemp(join(tmpdir(), "spear-upload-"));
  try {
    const file = join(dir, name);
    await writeFile(file, source, { mode: 0o600 });
    return await uploadArtifact(nc, js, file, { name });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The version's spec (the server validates it against FunctionSpec and fills in defaults). */
export function specOf(d: DeployDefinition, runtime: RuntimeKind, upload: UploadResult | undefined): z.input<typeof FunctionSpec> {
  const command = typeof d.process === "string" ? parseArgsStringToArgv(d.process) : d.process;
  const limits = { timeoutMs: d.timeoutMs, memoryMb: d.memoryMb, maxConcurrency: d.maxConcurrency };
  const scaling = { minWarm: d.minWarm, maxInstances: d.maxInstances, idleTtlMs: d.idleTtlMs };
  return {
    runtime,
    ...(upload ? { artifact: { sha256: upload.artifact.sha256, size: upload.artifact.size } } : {}),
    ...(d.image !== undefined ? { image: d.image } : {}),
    ...(command !== undefined ? { command: [...command] } : {}),
    ...(d.entry !== undefined ? { entry: d.entry } : {}),
    ...(d.mode !== undefined ? { mode: d.mode } : {}),
    env: { ...d.env },
    requirements: { services: [...(d.requires?.services ?? [])], labels: { ...d.requires?.labels }, ...(d.requires?.langPair ? { langPair: d.requires.langPair } : {}) },
    limits: defined(limits),
    scaling: defined(scaling),
    ...(d.policy !== undefined ? { policy: d.policy } : {}),
    grants: { env: d.allowEnv ?? false, preopens: { ...d.preopens } },
  };
}

const defined = <T extends Record<string, number | undefined>>(o: T): Partial<Record<keyof T, number>> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, number>>;
