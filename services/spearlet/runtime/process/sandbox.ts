import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import type { RuntimeIsolationGap } from "../runtime.js";
import { findOnPath } from "./command.js";

const run = promisify(execFile);

/** The util-linux programs that confine a worker; all found on the spearlet's PATH. */
export interface SandboxTools {
  readonly unshare: string;
  readonly setpriv: string;
  readonly sh: string;
}

/** How one worker is confined: its own user, its folder as its only writable place, network or not. */
export interface Confinement {
  readonly tools: SandboxTools;
  readonly uid: number;
  /** The instance's folder on the host; the worker sees it as /tmp (and /var/tmp, /dev/shm). */
  readonly dir: string;
  readonly network: boolean;
  /**
   * Host folders the worker must still see, read-only, though they lie under /tmp (the base
   * folder of relative programs, on a machine that keeps the project there).
   */
  readonly visible?: readonly string[] | undefined;
}

/** Where the worker sees its folder (the bind mount's target and its working directory). */
export const CONFINED_DIR = "/tmp";

/**
 * The namespace's first process (PID 1), run as root inside the new namespaces: it mounts the
 * instance's folder over the world-writable folders (so no instance sees another's files there),
 * after putting into it, read-only, the host folders under /tmp it must still see (`visible`),
 * then runs the worker in the foreground and exits with its status. When it exits, the kernel
 * kills everything left in the PID namespace, `setsid`-ed children included. The worker is not
 * exec'ed in its place: PID 1 ignores signals it has no handler for, SIGXCPU (the CPU limit)
 * among them. `exit` last keeps sh from exec'ing the worker as its last command; the variables
 * `cd` sets are dropped (OLDPWD would name the folder's host path).
 */
const INIT = `dir=$1; keep=$2; shift 2
IFS=:
for p in $keep; do rel=\${p#/tmp/}; mkdir -p "$dir/$rel" && mount --bind "$p" "$dir/$rel" && mount -o remount,bind,ro "$dir/$rel" || exit 125; done
unset IFS
for t in /var/tmp /dev/shm; do if [ -d "$t" ]; then mount --bind "$dir" "$t" || exit 125; fi; done
mount --rbind "$dir" /tmp || exit 125
cd ${CONFINED_DIR} || exit 125
unset OLDPWD PWD
"$@"
exit $?`;

/**
 * The command line of a confined worker: `unshare` makes new PID, mount (a /proc of its own, so
 * no other process and no environment of one is visible) and, unless granted, network
 * namespaces (only a loopback interface, down); `--kill-child` takes the namespace down with
 * unshare. `setpriv` then drops to the instance's own uid and gid, no supplementary groups, no
 * capabilities, no privilege gain (setuid programs stay unprivileged), before `inner` runs.
 */
export function confinedArgv(c: Confinement, inner: readonly string[]): string[] {
  const ns = ["--pid", "--fork", "--kill-child", "--mount-proc", "--mount", ...(c.network ? [] : ["--net"])];
  const drop = [`--reuid=${c.uid}`, `--regid=${c.uid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"];
  const keep = (c.visible ?? []).filter((p) => p.startsWith("/tmp/") && !p.includes(":")).join(":");
  return [c.tools.unshare, ...ns, "--", c.tools.sh, "-c", INIT, "spear-init", c.dir, keep, c.tools.setpriv, ...drop, "--", ...inner];
}

/** What confinement gives; each is reported as a gap when the machine cannot provide it. */
const MECHANISMS = [
  "pid namespace (nothing a worker starts outlives it; no other process visible)",
  "network namespace (no network unless the function's grants.network)",
  "mount namespace (a private /tmp, /var/tmp, /dev/shm and /proc)",
  "unprivileged user per instance (no access to the spearlet's or other instances' files)",
  "process limit (RLIMIT_NPROC, counted per user)",
] as const;

/** Every mechanism, missing for one reason. */
export const unconfined = (reason: string): RuntimeIsolationGap[] => MECHANISMS.map((mechanism) => ({ mechanism, reason }));

/**
 * Whether workers can be confined here, tried once for real (a confined `true` as `nobody`):
 * it needs root (or CAP_SYS_ADMIN and CAP_SETUID), util-linux's unshare and setpriv, and a
 * kernel that allows the namespaces. Otherwise every mechanism is a gap, with the reason.
 */
export async function probeSandbox(searchPath: string | undefined): Promise<{ tools: SandboxTools | null; gaps: RuntimeIsolationGap[] }> {
  const gapsBecause = (reason: string) => ({ tools: null, gaps: unconfined(reason) });
  if (process.getuid?.() !== 0) return gapsBecause("the spearlet does not run as root");
  const unshare = findOnPath("unshare", searchPath);
  const setpriv = findOnPath("setpriv", searchPath);
  const sh = findOnPath("sh", searchPath);
  if (!unshare || !setpriv || !sh) return gapsBecause("unshare or setpriv is not installed (Debian package util-linux)");
  const tools = { unshare, setpriv, sh };
  const probe = confinedArgv({ tools, uid: 65_534, dir: tmpdir(), network: false }, [findOnPath("true", searchPath) ?? "/bin/true"]);
  try {
    await run(probe[0]!, probe.slice(1), { env: {}, timeout: 10_000 });
    return { tools, gaps: [] };
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return gapsBecause(`a confined test process failed: ${(err.stderr || err.message).trim().split("\n").at(-1)}`);
  }
}
