import { Command, Option } from "commander";
import { parseArgsStringToArgv } from "string-argv";
import { api } from "../../../domain/api/registry.js";
import { SpearError } from "../../../domain/errors.js";
import { PlacementPolicy } from "../../../domain/events/function.js";
import type { RuntimeKind } from "../../../domain/ids.js";
import { summarizeFunction, type FunctionSummary } from "../../../domain/function/view.js";
import { allPages } from "../../api/all-pages.js";
import { uploadArtifact } from "../../api/artifact-upload.js";
import { smsRequest } from "../../api/client.js";
import { Duration, parseConfig } from "../../config.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { parsePositiveInt } from "../parse.js";
import { callSms, list } from "./sms-client.js";

interface DeployOptions {
  wasm?: string;
  process?: string;
  image?: string;
  artifact?: string;
  entry?: string;
  env: string[];
  requires: string[];
  timeout?: string;
  memory?: number;
  maxConcurrency?: number;
  minWarm?: number;
  maxInstances?: number;
  idleTtl?: string;
  policy?: PlacementPolicy;
  mode?: "warm" | "per-call";
  allowEnv?: boolean;
  preopen: string[];
  activate: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const nonNegative = (value: string) => (value === "0" ? 0 : parsePositiveInt(value));

function keyValue(item: string, what: string): [string, string] {
  const at = item.indexOf("=");
  if (at < 1) throw new SpearError("invalid_argument", `${what} '${item}' is not KEY=VALUE`);
  return [item.slice(0, at), item.slice(at + 1)];
}

/** `service:asr`, `lang:en>zh`, `label:gpu=a100`, each given with its own --requires. */
export function parseRequirements(items: readonly string[]) {
  const services: string[] = [];
  const labels: Record<string, string> = {};
  let langPair: { source: string; target: string } | undefined;
  for (const item of items) {
    const [kind, ...rest] = item.split(":");
    const value = rest.join(":");
    if (kind === "service" && value) services.push(value);
    else if (kind === "lang" && /^[^>]+>[^>]+$/.test(value)) {
      const [source, target] = value.split(">") as [string, string];
      langPair = { source, target };
    } else if (kind === "label" && value) {
      const [k, v] = keyValue(value, "label");
      labels[k] = v;
    } else {
      throw new SpearError("invalid_argument", `--requires '${item}' is none of service:NAME, lang:SOURCE>TARGET, label:KEY=VALUE`);
    }
  }
  return { services, labels, ...(langPair ? { langPair } : {}) };
}

const summaryRow = (f: FunctionSummary) => [f.name, f.version, f.activeVersion, f.latestVersion, f.runtime, f.sha256 ?? f.image, f.deleted ? "deleted" : null, f.updatedAt];
const summaryHead = ["function", "version", "active", "latest", "runtime", "artifact / image", "", "updated"];

export const functionsCommand = () => {
  const cmd = new Command("functions").description("deployed functions and their versions");
  cmd
    .command("deploy")
    .argument("<name>", "function name")
    .description("deploy a new version of a function (a WASM module, a process or a container image)")
    .option("--wasm <file>", "a WebAssembly module (uploaded as the artifact)")
    .option("--process <command>", "a command line to run as a process (quote it)")
    .option("--image <image>", "a container image")
    .option("--artifact <file>", "a file the process runs, uploaded as the artifact")
    .option("--entry <name>", "entry point inside the artifact")
    .option("--env <KEY=VALUE>", "environment of the function (repeatable)", collect, [])
    .option("--requires <req>", "placement requirement: service:NAME, lang:SOURCE>TARGET, label:KEY=VALUE (repeatable)", collect, [])
    .option("--timeout <duration>", "per-call time limit (30s, 2m)")
    .option("--memory <mb>", "memory limit in MB", parsePositiveInt)
    .option("--max-concurrency <n>", "concurrent calls per instance", parsePositiveInt)
    .option("--min-warm <n>", "instances kept warm", nonNegative)
    .option("--max-instances <n>", "instances at most", parsePositiveInt)
    .option("--idle-ttl <duration>", "idle time before an instance is reclaimed (5m)")
    .addOption(new Option("--policy <policy>", "default scheduling policy").choices(PlacementPolicy.options))
    .addOption(new Option("--mode <mode>", "warm instances or one per call").choices(["warm", "per-call"]))
    .option("--allow-env", "let a WASM module read its environment")
    .option("--preopen <GUEST=HOST>", "a directory a WASM module may open (repeatable)", collect, [])
    .option("--no-activate", "deploy without making it the active version")
    .action(async (name: string, o: DeployOptions, c: Command) => {
      const kinds = [o.wasm && "wasm", o.process !== undefined && "process", o.image && "container"].filter(Boolean) as RuntimeKind[];
      if (kinds.length !== 1) throw new SpearError("invalid_argument", "give exactly one of --wasm FILE, --process CMD, --image IMAGE");
      const runtime = kinds[0]!;
      const artifactFile = o.wasm ?? o.artifact;
      const ctx = cliContext(c);
      const { deployed, upload } = await withNats(ctx, "spear-cli", async ({ nc, js }) => {
        const upload = artifactFile ? await uploadArtifact(nc, js, artifactFile) : undefined;
        const spec = {
          runtime,
          ...(upload ? { artifact: { sha256: upload.artifact.sha256, size: upload.artifact.size } } : {}),
          ...(o.image ? { image: o.image } : {}),
          ...(o.process !== undefined ? { command: parseArgsStringToArgv(o.process) } : {}),
          ...(o.entry ? { entry: o.entry } : {}),
          ...(o.mode ? { mode: o.mode } : {}),
          env: Object.fromEntries(o.env.map((e) => keyValue(e, "--env"))),
          requirements: parseRequirements(o.requires),
          limits: {
            ...(o.timeout ? { timeoutMs: parseConfig(Duration, o.timeout, "--timeout") } : {}),
            ...(o.memory ? { memoryMb: o.memory } : {}),
            ...(o.maxConcurrency ? { maxConcurrency: o.maxConcurrency } : {}),
          },
          scaling: {
            ...(o.minWarm !== undefined ? { minWarm: o.minWarm } : {}),
            ...(o.maxInstances ? { maxInstances: o.maxInstances } : {}),
            ...(o.idleTtl ? { idleTtlMs: parseConfig(Duration, o.idleTtl, "--idle-ttl") } : {}),
          },
          ...(o.policy ? { policy: o.policy } : {}),
          grants: { env: o.allowEnv ?? false, preopens: Object.fromEntries(o.preopen.map((p) => keyValue(p, "--preopen"))) },
        };
        return { deployed: await smsRequest(nc, api.functions.deploy, { name, spec, activate: o.activate }), upload };
      });
      const summary = summarizeFunction(deployed.function);
      const result = { ...summary, version: deployed.version, created: deployed.created, uploaded: upload?.uploaded ?? false };
      if (ctx.json) {
        printJson(result);
        return;
      }
      printTable(
        ["function", "version", "new version", "runtime", "artifact / image", "uploaded", "active"],
        [[result.name, result.version, result.created ? "yes" : "no (same as latest)", result.runtime, summary.sha256 ?? summary.image, result.uploaded ? "yes" : "no", result.activeVersion]],
      );
    });
  cmd
    .command("ls")
    .description("list functions with the version that runs by default and its artifact")
    .option("--all", "include deleted functions")
    .action(async (o: { all?: boolean }, c: Command) => {
      const ctx = cliContext(c);
      const fns = await withNats(ctx, "spear-cli", (nats) => allPages(nats, api.functions.list, { includeDeleted: o.all ?? false }));
      if (ctx.json) return fns.forEach(printJson);
      printTable(summaryHead, fns.map(summaryRow));
    });
  cmd
    .command("get")
    .argument("<name>", "function name")
    .description("one function with its versions and invocation stats")
    .action(async (name: string, _o, c: Command) => {
      const { ctx, result: f } = await callSms(c, api.functions.get, { name });
      if (ctx.json) {
        printJson(f);
        return;
      }
      const s = f.stats;
      printTable(["field", "value"], [
        ["name", f.name],
        ["active version", f.activeVersion],
        ["latest version", f.latestVersion],
        ["deleted", f.deleted ? f.deletedAt : null],
        ["description", f.description],
        ["labels", list(Object.entries(f.labels).map(([k, v]) => `${k}=${v}`))],
        ["created", f.createdAt],
        ["updated", f.updatedAt],
        ["invocations", s ? `${s.total} (${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(", ")}), mean ${s.averageMs?.toFixed(1)} ms` : null],
      ]);
      printTable(["version", "runtime", "artifact / image", "timeout", "memory", "min warm", "deployed"], f.versions.map(versionRow));
    });
  cmd
    .command("versions")
    .argument("<name>", "function name")
    .description("a function's versions, oldest first")
    .action(async (name: string, _o, c: Command) => {
      const ctx = cliContext(c);
      const versions = await withNats(ctx, "spear-cli", (nats) => allPages(nats, api.functions.versions, { name }));
      if (ctx.json) return versions.forEach(printJson);
      printTable(["version", "runtime", "artifact / image", "timeout", "memory", "min warm", "deployed"], versions.map(versionRow));
    });
  cmd
    .command("activate")
    .argument("<name>", "function name")
    .argument("<version>", "version to activate", parsePositiveInt)
    .description("make a version the one invocations without a version run")
    .action(async (name: string, version: number, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.functions.activate, { name, version });
      showSummary(ctx.json, summarizeFunction(result.function));
    });
  cmd
    .command("deactivate")
    .argument("<name>", "function name")
    .description("leave a function without an active version")
    .action(async (name: string, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.functions.deactivate, { name });
      showSummary(ctx.json, summarizeFunction(result.function));
    });
  cmd
    .command("rm")
    .argument("<name>", "function name")
    .description("delete a function (deploying it again brings it back with a new version)")
    .action(async (name: string, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.functions.delete, { name });
      showSummary(ctx.json, summarizeFunction(result.function));
    });
  return cmd;
};

function showSummary(json: boolean, f: FunctionSummary): void {
  if (json) printJson(f);
  else printTable(summaryHead, [summaryRow(f)]);
}

const versionRow = (v: { version: number; deployedAt: string; spec: { runtime: string; artifact?: { sha256: string }; image?: string; command?: string[]; limits: { timeoutMs: number; memoryMb: number }; scaling: { minWarm: number } } }) => [
  v.version,
  v.spec.runtime,
  v.spec.artifact?.sha256 ?? v.spec.image ?? v.spec.command?.join(" "),
  `${v.spec.limits.timeoutMs} ms`,
  `${v.spec.limits.memoryMb} MB`,
  v.spec.scaling.minWarm,
  v.deployedAt,
];
