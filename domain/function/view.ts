import { z } from "zod";
import { SpearError } from "../errors.js";
import type { RecordedEvent } from "../events/envelope.js";
import { FunctionSpec } from "../events/function.js";
import { FunctionName, Instant, Labels, RuntimeKind, Sha256 } from "../ids.js";

export const FunctionVersionView = z.object({
  version: z.number().int().min(1),
  spec: FunctionSpec,
  deployedAt: Instant,
});
export type FunctionVersionView = z.infer<typeof FunctionVersionView>;

/**
 * One function with every version it ever had (the function catalog's document). The
 * spearlet's TaskRef cache and the scheduler read specs from here; `resolveVersion` picks one.
 */
export const FunctionView = z.object({
  name: FunctionName,
  /** Ascending by version. */
  versions: z.array(FunctionVersionView),
  activeVersion: z.number().int().min(1).nullable(),
  latestVersion: z.number().int().min(1),
  deleted: z.boolean(),
  deletedAt: Instant.nullable(),
  description: z.string().optional(),
  labels: Labels,
  createdAt: Instant,
  updatedAt: Instant,
  /** Stream sequence of the function's last event: its aggregate version. */
  version: z.number().int().nonnegative(),
});
export type FunctionView = z.infer<typeof FunctionView>;

export function evolveFunctionView(view: FunctionView | undefined, event: RecordedEvent): FunctionView | undefined {
  const at = event.meta.occurredAt;
  const seq = event.position.seq;
  if (event.type === "FunctionVersionDeployed") {
    const { version, spec, activate } = event.data;
    const base: FunctionView = view ?? {
      name: event.meta.aggregateId,
      versions: [],
      activeVersion: null,
      latestVersion: version,
      deleted: false,
      deletedAt: null,
      labels: {},
      createdAt: at,
      updatedAt: at,
      version: seq,
    };
    const versions = [...base.versions.filter((v) => v.version !== version), { version, spec, deployedAt: at }].sort((a, b) => a.version - b.version);
    return {
      ...base,
      versions,
      latestVersion: Math.max(version, ...base.versions.map((v) => v.version)),
      activeVersion: activate ? version : base.activeVersion,
      deleted: false,
      deletedAt: null,
      updatedAt: at,
      version: seq,
    };
  }
  if (!view) return view;
  switch (event.type) {
    case "FunctionUpdated":
      return {
        ...view,
        ...(event.data.description !== undefined ? { description: event.data.description } : {}),
        ...(event.data.labels !== undefined ? { labels: event.data.labels } : {}),
        updatedAt: at,
        version: seq,
      };
    case "FunctionVersionActivated":
      return { ...view, activeVersion: event.data.version, updatedAt: at, version: seq };
    case "FunctionDeactivated":
      return { ...view, activeVersion: null, updatedAt: at, version: seq };
    case "FunctionDeleted":
      return { ...view, deleted: true, deletedAt: at, activeVersion: null, updatedAt: at, version: seq };
    default:
      return view;
  }
}

export type Resolved =
  | { readonly ok: true; readonly name: string; readonly version: number; readonly spec: FunctionSpec }
  | { readonly ok: false; readonly error: SpearError };

/**
 * The spec an invocation runs: the requested version, or the active one when none is named.
 * Returns (does not throw) the typed error, so hot paths can branch without a try.
 */
export function resolveVersion(view: FunctionView | undefined, requested?: number, name = view?.name ?? "?"): Resolved {
  if (!view) return { ok: false, error: new SpearError("function_not_found", `no function '${name}' is deployed`, { function: name }) };
  if (view.deleted) return { ok: false, error: new SpearError("function_deleted", `function '${view.name}' was deleted`, { function: view.name }) };
  const version = requested ?? view.activeVersion;
  if (version === null) {
    return {
      ok: false,
      error: new SpearError("function_inactive", `function '${view.name}' has no active version; name one (latest is ${view.latestVersion})`, {
        function: view.name,
      }),
    };
  }
  const found = view.versions.find((v) => v.version === version);
  if (!found) {
    return {
      ok: false,
      error: new SpearError("version_not_found", `function '${view.name}' has no version ${version} (latest is ${view.latestVersion})`, {
        function: view.name,
        version,
      }),
    };
  }
  return { ok: true, name: view.name, version, spec: found.spec };
}

/** One line of `spear functions ls`: the version that runs by default (else the latest) and its artifact. */
export const FunctionSummary = z.object({
  name: FunctionName,
  version: z.number().int().min(1),
  activeVersion: z.number().int().min(1).nullable(),
  latestVersion: z.number().int().min(1),
  runtime: RuntimeKind,
  sha256: Sha256.nullable(),
  image: z.string().nullable(),
  deleted: z.boolean(),
  updatedAt: Instant,
});
export type FunctionSummary = z.infer<typeof FunctionSummary>;

export function summarizeFunction(view: FunctionView): FunctionSummary {
  const version = view.activeVersion ?? view.latestVersion;
  const spec = (view.versions.find((v) => v.version === version) ?? view.versions.at(-1))!.spec;
  return {
    name: view.name,
    version,
    activeVersion: view.activeVersion,
    latestVersion: view.latestVersion,
    runtime: spec.runtime,
    sha256: spec.artifact?.sha256 ?? null,
    image: spec.image ?? null,
    deleted: view.deleted,
    updatedAt: view.updatedAt,
  };
}

/** The run limit of every version of these functions (deleted ones too: their calls may still run). */
export function* versionTimeouts(views: Iterable<FunctionView>): Iterable<number> {
  for (const f of views) for (const v of f.versions) yield v.spec.limits.timeoutMs;
}
