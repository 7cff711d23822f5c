import Docker from "dockerode";
import { spawnSync } from "node:child_process";
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { afterAll, beforeAll, type TestContext } from "vitest";
import { ServerProcess } from "../../infra/local/server-process.js";
import { pingEngine } from "../../services/spearlet/runtime/container/docker-engine.js";
import { defaultSocketPath } from "../../services/spearlet/runtime/container/socket-path.js";

/**
 * A Docker engine for the container tests. Uses the one at DOCKER_HOST / /var/run/docker.sock
 * when it answers; otherwise starts a private `dockerd` (root only) with its own data root,
 * exec root, pidfile and unix socket under a temp folder, without touching the host's network
 * (`--iptables=false --bridge=none --ip-forward=false`), and stops it by its pid afterwards.
 * Then builds the images the tests run, locally (FROM scratch + static binaries compiled here;
 * no registry).
 * When no engine can be had, `require(ctx)` skips the test with the reason, never passes it.
 */

export const IMAGES = {
  /** examples/container-upper, built from its Dockerfile as its build.sh does. */
  upper: "spear-example-upper:1",
  /** test/support/docker-probe.c: network, timeout, memory and crash behaviours on demand. */
  probe: "spear-test-probe:1",
} as const;

export interface DockerEngine {
  readonly socketPath: string;
  readonly docker: Docker;
}

type State = { ok: true; engine: DockerEngine; stop: () => Promise<void> } | { ok: false; reason: string };

export function useDocker(): { require(ctx: TestContext): DockerEngine } {
  let state: State = { ok: false, reason: "the Docker engine was not set up (beforeAll did not run)" };
  beforeAll(async () => {
    state = await setUp();
    if (!state.ok) process.stderr.write(`[docker] container tests are skipped: ${state.reason}\n`);
  }, 180_000);
  afterAll(async () => {
    if (state.ok) await state.stop();
  }, 60_000);
  return {
    require(ctx) {
      if (!state.ok) ctx.skip(state.reason);
      return (state as Extract<State, { ok: true }>).engine;
    },
  };
}

async function setUp(): Promise<State> {
  const engine = await reachEngine();
  if (!engine.ok) return engine;
  const { socketPath, docker } = engine.engine;
  try {
    await buildImages(docker);
  } catch (e) {
    await engine.stop();
    return { ok: false, reason: `the test images could not be built on ${socketPath}: ${(e as Error).message}` };
  }
  return engine;
}

async function reachEngine(): Promise<State> {
  const shared = defaultSocketPath();
  const sharedClient = new Docker({ socketPath: shared });
  const answer = await pingEngine(sharedClient, shared, 2_000);
  if (answer.ok) return { ok: true, engine: { socketPath: shared, docker: sharedClient }, stop: async () => undefined };
  if (process.getuid?.() !== 0) return { ok: false, reason: `${answer.reason}; starting a private dockerd needs root` };
  const dockerd = locate("dockerd");
  if (!dockerd) return { ok: false, reason: `${answer.reason}; dockerd is not installed (apt-get install -y docker.io, which .ci/run does as root)` };
  return startPrivateDockerd(dockerd);
}

async function startPrivateDockerd(binary: string): Promise<State> {
  // A short path: a unix socket's path must fit in 108 bytes.
  const dir = mkdtempSync("/tmp/spear-dockerd-");
  const socketPath = join(dir, "docker.sock");
  const docker = new Docker({ socketPath });
  const proc = new ServerProcess({
    name: "dockerd",
    binary,
    args: [
      "--iptables=false",
      "--bridge=none",
      "--ip-forward=false",
      "--data-root",
      join(dir, "data"),
      "--exec-root",
      join(dir, "exec"),
      "--pidfile",
      join(dir, "dockerd.pid"),
      "--host",
      `unix://${socketPath}`,
    ],
    logFile: join(dir, "dockerd.log"),
    probe: async () => (await pingEngine(docker, socketPath, 1_000)).ok,
    readyTimeoutMs: 60_000,
  });
  try {
    await proc.start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `a private dockerd did not start: ${(e as Error).message}` };
  }
  process.env.DOCKER_HOST = `unix://${socketPath}`;
  const stop = async () => {
    await proc.stop(30_000);
    // dockerd stops its containerd itself; after a forced kill that one is left, known by its pidfile.
    killOurs(join(dir, "exec", "containerd", "containerd.pid"), dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  return { ok: true, engine: { socketPath, docker }, stop };
}

async function buildImages(docker: Docker): Promise<void> {
  const upper = contextWith("upper", resolve("examples/container-upper/upper.c"));
  copyFileSync(resolve("examples/container-upper/Dockerfile"), join(upper, "Dockerfile"));
  const probe = contextWith("probe", resolve("test/support/docker-probe.c"));
  writeFileSync(join(probe, "Dockerfile"), 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe"]\n');
  try {
    await buildImage(docker, upper, ["Dockerfile", "upper"], IMAGES.upper);
    await buildImage(docker, probe, ["Dockerfile", "probe"], IMAGES.probe);
  } finally {
    rmSync(upper, { recursive: true, force: true });
    rmSync(probe, { recursive: true, force: true });
  }
}

/** A build context holding one static binary compiled from `source`. */
function contextWith(binary: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "spear-image-"));
  const gcc = spawnSync("gcc", ["-static", "-O2", "-o", join(dir, binary), source], { encoding: "utf8" });
  if (gcc.error || gcc.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`gcc -static ${source} failed: ${gcc.error?.message ?? gcc.stderr.trim()}`);
  }
  return dir;
}

async function buildImage(docker: Docker, context: string, src: string[], tag: string): Promise<void> {
  const stream = await docker.buildImage({ context, src }, { t: tag, rm: true, forcerm: true });
  const messages = await new Promise<Array<{ error?: string }>>((done, fail) =>
    docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => (err ? fail(err) : done(res))),
  );
  const failure = messages.find((m) => m.error);
  if (failure) throw new Error(`building ${tag}: ${failure.error}`);
}

function locate(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];
  for (const d of dirs) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Kills the process a pidfile names, only if it is still the one we started: its command line
 * names our own folder (a stale pidfile could name a pid that was reused since).
 */
function killOurs(pidFile: string, ownDir: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(ownDir)) return;
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}
