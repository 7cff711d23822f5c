import { closeSync } from "node:fs";
import { Errno } from "./constants.js";
import { WasiCallError, type PreopenRoot } from "./sandbox-path.js";

export type Fd =
  | { readonly kind: "stdin" | "stdout" | "stderr" }
  | { readonly kind: "dir"; readonly root: PreopenRoot; readonly rel: string; readonly preopen: boolean }
  | {
      readonly kind: "file";
      readonly root: PreopenRoot;
      readonly host: number;
      readonly append: boolean;
      readonly readable: boolean;
      readonly writable: boolean;
      position: bigint;
    };

export type DirFd = Extract<Fd, { kind: "dir" }>;
export type FileFd = Extract<Fd, { kind: "file" }>;

/** Most descriptors a guest may hold open at once. */
const MAX_FDS = 1024;

/** The guest's descriptors: 0-2 stdio, 3.. the preopens in grant order, then what it opens. */
export class FdTable {
  readonly #fds = new Map<number, Fd>();

  constructor(readonly preopens: readonly PreopenRoot[]) {
    this.#fds.set(0, { kind: "stdin" });
    this.#fds.set(1, { kind: "stdout" });
    this.#fds.set(2, { kind: "stderr" });
    preopens.forEach((root, i) => this.#fds.set(3 + i, { kind: "dir", root, rel: ".", preopen: true }));
  }

  get(fd: number): Fd {
    const f = this.#fds.get(fd);
    if (!f) throw new WasiCallError(Errno.BADF);
    return f;
  }

  dir(fd: number, what: string): DirFd {
    const f = this.#fds.get(fd);
    if (f?.kind === "dir") return f;
    if (this.preopens.length === 0) throw new WasiCallError(Errno.NOTCAPABLE, `${what}: no file system access is granted to this function`);
    throw new WasiCallError(f ? Errno.NOTDIR : Errno.BADF);
  }

  file(fd: number): FileFd {
    const f = this.get(fd);
    if (f.kind !== "file") throw new WasiCallError(f.kind === "dir" ? Errno.ISDIR : Errno.SPIPE);
    return f;
  }

  add(f: Fd): number {
    for (let fd = 3; fd < MAX_FDS; fd++) {
      if (!this.#fds.has(fd)) {
        this.#fds.set(fd, f);
        return fd;
      }
    }
    if (f.kind === "file") closeSync(f.host);
    throw new WasiCallError(Errno.MFILE);
  }

  close(fd: number): void {
    const f = this.get(fd);
    this.#fds.delete(fd);
    if (f.kind === "file") closeSync(f.host);
  }

  /** `dup2` for the guest: `to` must be open and is closed first. */
  renumber(from: number, to: number): void {
    const f = this.get(from);
    this.get(to);
    if (from === to) return;
    this.close(to);
    this.#fds.delete(from);
    this.#fds.set(to, f);
  }

  /** Closes every host file the guest left open (its instance is being dropped). */
  closeAll(): void {
    for (const [fd, f] of this.#fds) {
      if (f.kind === "file") closeSync(f.host);
      this.#fds.delete(fd);
    }
  }
}
