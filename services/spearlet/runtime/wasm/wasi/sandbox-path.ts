import { realpathSync } from "node:fs";
import { basename, dirname, join, posix, relative, sep } from "node:path";
import { Errno } from "./constants.js";

/** A host directory granted to the guest under a name (`grants.preopens`: guest path → host path). */
export interface PreopenRoot {
  readonly guest: string;
  /** The host directory's real path (symbolic links resolved), checked at start-up. */
  readonly host: string;
}

/** A failed WASI call: the errno the guest sees, and why when the sandbox refused it. */
export class WasiCallError extends Error {
  constructor(
    readonly errno: number,
    readonly denied?: string,
  ) {
    super(denied ?? `errno ${errno}`);
  }
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);

/** The real path of `p`, resolving links in the part that exists and keeping the rest as written. */
function realpathOfExisting(p: string): string {
  const tail: string[] = [];
  let probe = p;
  for (;;) {
    try {
      return join(realpathSync(probe), ...tail);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" && (e as NodeJS.ErrnoException).code !== "ENOTDIR") throw e;
      const parent = dirname(probe);
      if (parent === probe) throw e;
      tail.unshift(basename(probe));
      probe = parent;
    }
  }
}

/**
 * Maps a guest path, relative to a directory (`dirRel`, itself relative to the preopen), to a
 * host path that stays inside the preopen: absolute paths, `..` above the root and symbolic
 * links leading outside are refused with `notcapable`. With `followFinal` false the last
 * component is not resolved (it may be a link the caller opens with O_NOFOLLOW, or removes).
 * A link swapped in between this check and the open is not caught (a known race of path-based
 * sandboxes without openat2).
 */
export function resolveInside(root: PreopenRoot, dirRel: string, path: string, followFinal: boolean): { host: string; rel: string } {
  if (path.includes("\0")) throw new WasiCallError(Errno.INVAL);
  if (path.startsWith("/")) throw new WasiCallError(Errno.NOTCAPABLE, `absolute path "${path}" is outside the granted directories`);
  const rel = posix.normalize(posix.join(dirRel, path));
  if (rel === ".." || rel.startsWith("../")) throw new WasiCallError(Errno.NOTCAPABLE, `path "${path}" leads above the granted directory "${root.guest}"`);
  const lexical = join(root.host, rel);
  if (rel === ".") return { host: root.host, rel: "." };
  const real = followFinal ? realpathOfExisting(lexical) : join(realpathOfExisting(dirname(lexical)), basename(lexical));
  if (!inside(root.host, real)) throw new WasiCallError(Errno.NOTCAPABLE, `path "${path}" leads outside the granted directory "${root.guest}" through a symbolic link`);
  return { host: real, rel: relative(root.host, real) || "." };
}
