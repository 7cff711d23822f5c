import { accessSync, constants, existsSync } from "node:fs";
import { chmod, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { SpearError } from "../../../../domain/errors.js";
import type { InstanceSpec } from "../runtime.js";

/** The only variable a worker gets that its function did not define (and it may override it). */
export const MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Marks the place of the artifact's file in a command: `["node", "{artifact}"]`. */
export const ARTIFACT_PLACEHOLDER = "{artifact}";

export interface WorkerCommand {
  /** Absolute path of the program. */
  readonly file: string;
  readonly args: readonly string[];
}

/**
 * What a process instance runs:
 * - `spec.command` when given, with `{artifact}` replaced by the artifact's file;
 * - otherwise the artifact's file itself (made executable), with `spec.entry` as its one
 *   argument when set (a multi-call program picks the function by it).
 *
 * The program is looked up on the spearlet's PATH when it has no '/', and relative paths (the
 * program, and arguments like `examples/process-js/wc.js` that name an existing file) are taken
 * from `baseDir`, because the worker itself runs in a private empty folder. `artifactAt` is where
 * the worker sees the artifact when that is not the cache's file (a confined worker's own copy).
 */
export async function resolveCommand(
  instance: InstanceSpec,
  baseDir: string,
  searchPath: string | undefined,
  artifactAt?: string,
): Promise<WorkerCommand> {
  const { spec, binary } = instance;
  if (spec.command?.length) {
    if (spec.command.includes(ARTIFACT_PLACEHOLDER) && !binary)
      throw startFailed(`the command uses ${ARTIFACT_PLACEHOLDER} but the function has no artifact`);
    const [program, ...rest] = spec.command.map((a) => (a === ARTIFACT_PLACEHOLDER ? (artifactAt ?? binary!.path) : a)) as [string, ...string[]];
    // A confined worker's artifact exists only where the worker sees it.
    const file = program === artifactAt ? program : locateProgram(program, baseDir, searchPath);
    if (!file) throw startFailed(`program '${program}' not found (looked on PATH and in ${baseDir})`);
    return { file, args: rest.map((a) => fromBaseDir(a, baseDir)) };
  }
  if (!binary) throw startFailed("a process function needs a command or an artifact");
  await makeExecutable(binary.path);
  return { file: artifactAt ?? binary.path, args: spec.entry ? [spec.entry] : [] };
}

/** The worker's whole environment: the function's own variables over a minimal PATH. */
export const workerEnv = (env: Readonly<Record<string, string>>): Record<string, string> => ({ PATH: MINIMAL_PATH, ...env });

export function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  const dirs = [...(searchPath ?? "").split(delimiter).filter(Boolean), "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function locateProgram(program: string, baseDir: string, searchPath: string | undefined): string | undefined {
  if (isAbsolute(program)) return isExecutable(program) ? program : undefined;
  if (program.includes("/")) {
    const candidate = resolve(baseDir, program);
    return isExecutable(candidate) ? candidate : undefined;
  }
  return findOnPath(program, searchPath);
}

function fromBaseDir(arg: string, baseDir: string): string {
  if (isAbsolute(arg) || !arg.includes("/") || arg.startsWith("-")) return arg;
  const candidate = resolve(baseDir, arg);
  return existsSync(candidate) ? candidate : arg;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The shared binary cache writes files as data; a process artifact must also be executable. */
async function makeExecutable(file: string): Promise<void> {
  if (isExecutable(file)) return;
  const { mode } = await stat(file);
  await chmod(file, mode | 0o555);
}

const startFailed = (message: string) => new SpearError("instance_start_failed", message);
