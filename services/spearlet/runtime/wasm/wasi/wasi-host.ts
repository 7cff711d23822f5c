import { randomFillSync } from "node:crypto";
import {
  constants as fsc,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
  type Dirent,
} from "node:fs";
import { ClockId, Errno, WasiEventType, FdFlags, FileType, LookupFlags, OFlags, Rights, SubClockFlags, Whence, hostErrno } from "./constants.js";
import { FdTable, type DirFd } from "./fd-table.js";
import { WasiCallError, resolveInside, type PreopenRoot } from "./sandbox-path.js";
import { CappedOutput, MemoryStdin, TailOutput } from "./stdio.js";

/** `proc_exit` unwinds the guest with this; the runner turns it into an exit code. */
export class WasiExit {
  constructor(readonly code: number) {}
}

export interface WasiHostOptions {
  readonly args: readonly string[];
  /** `KEY=value` strings; empty unless the function's grants allow its environment. */
  readonly env: readonly string[];
  readonly preopens: readonly PreopenRoot[];
  readonly maxOutputBytes: number;
  readonly maxStderrBytes: number;
}

export interface CallIo {
  readonly stdout: Uint8Array;
  readonly stderr: string;
  /** Set when stdout passed its cap (writes past it were refused). */
  readonly outputOverflowed: boolean;
  /** The first thing the sandbox refused during the call (file system or network), if any. */
  readonly denied: string | null;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** The WASI file type of a `Stats` or `Dirent`. */
function fileTypeOf(s: Pick<Dirent, "isDirectory" | "isFile" | "isSymbolicLink" | "isCharacterDevice">): number {
  if (s.isDirectory()) return FileType.DIRECTORY;
  if (s.isFile()) return FileType.REGULAR_FILE;
  if (s.isSymbolicLink()) return FileType.SYMBOLIC_LINK;
  if (s.isCharacterDevice()) return FileType.CHARACTER_DEVICE;
  return FileType.UNKNOWN;
}

/**
 * A WASI preview 1 host written for the sandbox rather than Node's `node:wasi` (which its own
 * documentation says is not a security boundary, and which needs real file descriptors for
 * stdio): standard input comes from the request in memory, standard output and error are
 * captured in memory, the environment holds only what the function grants, the file system is
 * limited to granted directories (paths checked to stay inside them), and there is no network
 * (sockets are refused). Everything else answers `nosys`.
 */
export class WasiHost {
  readonly #opts: WasiHostOptions;
  readonly #fds: FdTable;
  #memory: WebAssembly.Memory | null = null;
  #stdin = new MemoryStdin();
  #stdout: CappedOutput;
  #stderr: TailOutput;
  #denied: string | null = null;

  constructor(opts: WasiHostOptions) {
    this.#opts = opts;
    this.#fds = new FdTable(opts.preopens);
    this.#stdout = new CappedOutput(opts.maxOutputBytes);
    this.#stderr = new TailOutput(opts.maxStderrBytes);
  }

  bindMemory(memory: WebAssembly.Memory | null): void {
    this.#memory = memory;
  }

  /** Starts a call: fresh standard streams, the request body as standard input. */
  beginCall(stdin: Uint8Array): void {
    this.#stdin = new MemoryStdin(stdin);
    this.#stdout = new CappedOutput(this.#opts.maxOutputBytes);
    this.#stderr = new TailOutput(this.#opts.maxStderrBytes);
    this.#denied = null;
  }

  endCall(): CallIo {
    return { stdout: this.#stdout.take(), stderr: this.#stderr.text(), outputOverflowed: this.#stdout.overflowed, denied: this.#denied };
  }

  /** Closes the host files the guest opened; called when its instance is dropped. */
  dispose(): void {
    this.#fds.closeAll();
  }

  imports(): WebAssembly.ModuleImports {
    const calls: Record<string, (...a: never[]) => number> = {
      args_sizes_get: (argc: number, bufSize: number) => this.#sizes(this.#opts.args, argc, bufSize),
      args_get: (argv: number, buf: number) => this.#strings(this.#opts.args, argv, buf),
      environ_sizes_get: (count: number, bufSize: number) => this.#sizes(this.#opts.env, count, bufSize),
      environ_get: (environ: number, buf: number) => this.#strings(this.#opts.env, environ, buf),
      clock_res_get: (id: number, out: number) => {
        if (id < 0 || id > ClockId.THREAD_CPUTIME) return Errno.INVAL;
        this.#view().setBigUint64(out, 1_000n, true);
        return Errno.SUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, out: number) => {
        const now = this.#clock(id);
        if (now === null) return Errno.INVAL;
        this.#view().setBigUint64(out, now, true);
        return Errno.SUCCESS;
      },
      fd_read: (fd: number, iovs: number, iovsLen: number, nread: number) => this.#read(fd, iovs, iovsLen, nread, null),
      fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nread: number) => this.#read(fd, iovs, iovsLen, nread, offset),
      fd_write: (fd: number, iovs: number, iovsLen: number, nwritten: number) => this.#write(fd, iovs, iovsLen, nwritten, null),
      fd_pwrite: (fd: number, iovs: number, iovsLen: number, offset: bigint, nwritten: number) => this.#write(fd, iovs, iovsLen, nwritten, offset),
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => this.#seek(fd, offset, whence, out),
      fd_tell: (fd: number, out: number) => {
        this.#view().setBigUint64(out, this.#fds.file(fd).position, true);
        return Errno.SUCCESS;
      },
      fd_close: (fd: number) => {
        this.#fds.close(fd);
        return Errno.SUCCESS;
      },
      fd_renumber: (from: number, to: number) => {
        this.#fds.renumber(from, to);
        return Errno.SUCCESS;
      },
      fd_sync: (fd: number) => this.#sync(fd),
      fd_datasync: (fd: number) => this.#sync(fd),
      fd_advise: (fd: number) => {
        this.#fds.file(fd); // advice is optional; only the descriptor is checked
        return Errno.SUCCESS;
      },
      fd_allocate: () => Errno.NOTSUP,
      fd_fdstat_get: (fd: number, out: number) => this.#fdstat(fd, out),
      fd_fdstat_set_flags: () => Errno.NOSYS,
      fd_fdstat_set_rights: (fd: number) => {
        this.#fds.get(fd); // rights are not enforced per descriptor, so dropping some changes nothing
        return Errno.SUCCESS;
      },
      fd_filestat_get: (fd: number, out: number) => this.#fdFilestat(fd, out),
      fd_filestat_set_size: (fd: number, size: bigint) => {
        ftruncateSync(this.#fds.file(fd).host, Number(size));
        return Errno.SUCCESS;
      },
      fd_filestat_set_times: () => Errno.NOSYS,
      fd_prestat_get: (fd: number, out: number) => {
        const f = this.#fds.get(fd);
        if (f.kind !== "dir" || !f.preopen) return Errno.BADF;
        const v = this.#view();
        v.setUint8(out, 0);
        v.setUint32(out + 4, enc.encode(f.root.guest).length, true);
        return Errno.SUCCESS;
      },
      fd_prestat_dir_name: (fd: number, path: number, len: number) => {
        const f = this.#fds.get(fd);
        if (f.kind !== "dir" || !f.preopen) return Errno.BADF;
        const name = enc.encode(f.root.guest);
        if (len < name.length) return Errno.NAMETOOLONG;
        this.#bytes(path, name.length).set(name);
        return Errno.SUCCESS;
      },
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, used: number) => this.#readdir(fd, buf, len, cookie, used),
      path_open: (dirfd: number, dirflags: number, path: number, pathLen: number, oflags: number, base: bigint, _inh: bigint, fdflags: number, out: number) =>
        this.#open(dirfd, dirflags, this.#string(path, pathLen), oflags, base, fdflags, out),
      path_create_directory: (fd: number, path: number, len: number) => {
        mkdirSync(this.#resolve(fd, this.#string(path, len), false, "path_create_directory").host);
        return Errno.SUCCESS;
      },
      path_remove_directory: (fd: number, path: number, len: number) => {
        rmdirSync(this.#resolve(fd, this.#string(path, len), false, "path_remove_directory").host);
        return Errno.SUCCESS;
      },
      path_unlink_file: (fd: number, path: number, len: number) => {
        unlinkSync(this.#resolve(fd, this.#string(path, len), false, "path_unlink_file").host);
        return Errno.SUCCESS;
      },
      path_rename: (fd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) => {
        const from = this.#resolve(fd, this.#string(oldPath, oldLen), false, "path_rename");
        const to = this.#resolve(newFd, this.#string(newPath, newLen), false, "path_rename");
        renameSync(from.host, to.host);
        return Errno.SUCCESS;
      },
      path_filestat_get: (fd: number, flags: number, path: number, len: number, out: number) => {
        const follow = (flags & LookupFlags.SYMLINK_FOLLOW) !== 0;
        const { host } = this.#resolve(fd, this.#string(path, len), follow, "path_filestat_get");
        this.#writeFilestat(out, follow ? statSync(host, { bigint: true }) : lstatSync(host, { bigint: true }));
        return Errno.SUCCESS;
      },
      path_filestat_set_times: () => Errno.NOSYS,
      path_link: () => this.#deny("path_link: creating links is not allowed in the sandbox"),
      path_symlink: () => this.#deny("path_symlink: creating links is not allowed in the sandbox"),
      path_readlink: () => this.#deny("path_readlink: reading links is not allowed in the sandbox"),
      poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, nevents: number) => this.#poll(inPtr, outPtr, nsubs, nevents),
      proc_exit: (code: number) => {
        throw new WasiExit(code);
      },
      proc_raise: () => Errno.NOSYS,
      sched_yield: () => Errno.SUCCESS,
      random_get: (buf: number, len: number) => {
        randomFillSync(this.#bytes(buf, len));
        return Errno.SUCCESS;
      },
      sock_accept: () => this.#deny("sock_accept: network access is not granted to this function"),
      sock_recv: () => this.#deny("sock_recv: network access is not granted to this function"),
      sock_send: () => this.#deny("sock_send: network access is not granted to this function"),
      sock_shutdown: () => this.#deny("sock_shutdown: network access is not granted to this function"),
    };
    const wrapped: WebAssembly.ModuleImports = {};
    for (const [name, fn] of Object.entries(calls)) {
      wrapped[name] = (...args: never[]) => {
        try {
          return fn(...args);
        } catch (e) {
          return this.#errnoOf(e);
        }
      };
    }
    return wrapped;
  }

  #errnoOf(e: unknown): number {
    if (e instanceof WasiCallError) {
      if (e.denied) this.#denied ??= e.denied;
      return e.errno;
    }
    if (e instanceof RangeError) return Errno.FAULT; // a pointer outside linear memory
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === "string") return hostErrno[code] ?? Errno.IO;
    throw e;
  }

  #deny(why: string): number {
    this.#denied ??= why;
    return Errno.NOTCAPABLE;
  }

  #buffer(): ArrayBufferLike {
    if (!this.#memory) throw new WasiCallError(Errno.FAULT);
    return this.#memory.buffer;
  }

  #view(): DataView {
    return new DataView(this.#buffer());
  }

  #bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.#buffer(), ptr, len);
  }

  #string(ptr: number, len: number): string {
    return dec.decode(this.#bytes(ptr, len));
  }

  #iovecs(iovs: number, count: number): Uint8Array[] {
    const v = this.#view();
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(this.#bytes(v.getUint32(iovs + i * 8, true), v.getUint32(iovs + i * 8 + 4, true)));
    return out;
  }

  #sizes(list: readonly string[], countPtr: number, sizePtr: number): number {
    const v = this.#view();
    v.setUint32(countPtr, list.length, true);
    v.setUint32(sizePtr, list.reduce((n, s) => n + enc.encode(s).length + 1, 0), true);
    return Errno.SUCCESS;
  }

  #strings(list: readonly string[], ptrs: number, buf: number): number {
    const v = this.#view();
    let at = buf;
    list.forEach((s, i) => {
      const b = enc.encode(s);
      v.setUint32(ptrs + i * 4, at, true);
      this.#bytes(at, b.length).set(b);
      v.setUint8(at + b.length, 0);
      at += b.length + 1;
    });
    return Errno.SUCCESS;
  }

  #clock(id: number): bigint | null {
    switch (id) {
      case ClockId.REALTIME:
        return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1_000_000));
      case ClockId.MONOTONIC:
        return process.hrtime.bigint();
      case ClockId.PROCESS_CPUTIME:
      case ClockId.THREAD_CPUTIME: {
        const u = process.cpuUsage();
        return BigInt(u.user + u.system) * 1_000n;
      }
      default:
        return null;
    }
  }

  #read(fd: number, iovs: number, count: number, nreadPtr: number, offset: bigint | null): number {
    const f = this.#fds.get(fd);
    let total = 0;
    if (f.kind === "stdin" && offset === null) {
      for (const iov of this.#iovecs(iovs, count)) total += this.#stdin.read(iov);
    } else if (f.kind === "file") {
      if (!f.readable) return Errno.BADF;
      let pos = offset ?? f.position;
      for (const iov of this.#iovecs(iovs, count)) {
        const n = readSync(f.host, iov, 0, iov.length, pos);
        total += n;
        pos += BigInt(n);
        if (n < iov.length) break;
      }
      if (offset === null) f.position = pos;
    } else return f.kind === "dir" ? Errno.ISDIR : f.kind === "stdin" ? Errno.SPIPE : Errno.BADF;
    this.#view().setUint32(nreadPtr, total, true);
    return Errno.SUCCESS;
  }

  #write(fd: number, iovs: number, count: number, nwrittenPtr: number, offset: bigint | null): number {
    const f = this.#fds.get(fd);
    let total = 0;
    if ((f.kind === "stdout" || f.kind === "stderr") && offset === null) {
      for (const iov of this.#iovecs(iovs, count)) {
        if (f.kind === "stderr") this.#stderr.write(iov);
        else if (!this.#stdout.write(iov)) return Errno.FBIG;
        total += iov.length;
      }
    } else if (f.kind === "file") {
      if (!f.writable) return Errno.BADF;
      let pos = offset ?? (f.append ? fstatSync(f.host, { bigint: true }).size : f.position);
      for (const iov of this.#iovecs(iovs, count)) {
        const n = writeSync(f.host, iov, 0, iov.length, Number(pos));
        total += n;
        pos += BigInt(n);
      }
      if (offset === null) f.position = pos;
    } else return f.kind === "dir" ? Errno.ISDIR : f.kind === "stdin" ? Errno.BADF : Errno.SPIPE;
    this.#view().setUint32(nwrittenPtr, total, true);
    return Errno.SUCCESS;
  }

  #seek(fd: number, offset: bigint, whence: number, out: number): number {
    const f = this.#fds.file(fd);
    const base = whence === Whence.SET ? 0n : whence === Whence.CUR ? f.position : whence === Whence.END ? fstatSync(f.host, { bigint: true }).size : null;
    if (base === null || base + offset < 0n) return Errno.INVAL;
    f.position = base + offset;
    this.#view().setBigUint64(out, f.position, true);
    return Errno.SUCCESS;
  }

  #sync(fd: number): number {
    fsyncSync(this.#fds.file(fd).host);
    return Errno.SUCCESS;
  }

  #fdstat(fd: number, out: number): number {
    const f = this.#fds.get(fd);
    const v = this.#view();
    const type = f.kind === "dir" ? FileType.DIRECTORY : f.kind === "file" ? FileType.REGULAR_FILE : FileType.CHARACTER_DEVICE;
    const rights = f.kind === "stdin" ? Rights.FD_READ : f.kind === "stdout" || f.kind === "stderr" ? Rights.FD_WRITE : Rights.ALL;
    v.setUint8(out, type);
    v.setUint16(out + 2, f.kind === "file" && f.append ? FdFlags.APPEND : 0, true);
    v.setBigUint64(out + 8, rights, true);
    v.setBigUint64(out + 16, f.kind === "dir" ? Rights.ALL : 0n, true);
    return Errno.SUCCESS;
  }

  #fdFilestat(fd: number, out: number): number {
    const f = this.#fds.get(fd);
    if (f.kind === "file") this.#writeFilestat(out, fstatSync(f.host, { bigint: true }));
    else if (f.kind === "dir") this.#writeFilestat(out, statSync(resolveInside(f.root, f.rel, ".", true).host, { bigint: true }));
    else {
      this.#bytes(out, 64).fill(0);
      this.#view().setUint8(out + 16, FileType.CHARACTER_DEVICE);
    }
    return Errno.SUCCESS;
  }

  #writeFilestat(out: number, s: BigIntStats): void {
    const v = this.#view();
    v.setBigUint64(out, s.dev, true);
    v.setBigUint64(out + 8, s.ino, true);
    v.setUint8(out + 16, fileTypeOf(s));
    v.setBigUint64(out + 24, s.nlink, true);
    v.setBigUint64(out + 32, s.size, true);
    v.setBigUint64(out + 40, s.atimeNs, true);
    v.setBigUint64(out + 48, s.mtimeNs, true);
    v.setBigUint64(out + 56, s.ctimeNs, true);
  }

  #resolve(fd: number, path: string, follow: boolean, what: string): { dir: DirFd; host: string; rel: string } {
    const dir = this.#fds.dir(fd, `${what} "${path}"`);
    return { dir, ...resolveInside(dir.root, dir.rel, path, follow) };
  }

  #open(dirfd: number, dirflags: number, path: string, oflags: number, rights: bigint, fdflags: number, out: number): number {
    const follow = (dirflags & LookupFlags.SYMLINK_FOLLOW) !== 0;
    const { dir, host, rel } = this.#resolve(dirfd, path, follow, "path_open");
    const readable = (rights & (Rights.FD_READ | Rights.FD_READDIR)) !== 0n;
    const writable = (rights & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n || (oflags & OFlags.TRUNC) !== 0;
    let existing: ReturnType<typeof statSync> | undefined;
    try {
      existing = follow ? statSync(host) : lstatSync(host);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !(oflags & OFlags.CREAT)) throw e;
    }
    if (existing && oflags & OFlags.CREAT && oflags & OFlags.EXCL) return Errno.EXIST;
    if (existing?.isDirectory()) {
      if (writable) return Errno.ISDIR;
      this.#view().setUint32(out, this.#fds.add({ kind: "dir", root: dir.root, rel, preopen: false }), true);
      return Errno.SUCCESS;
    }
    if (oflags & OFlags.DIRECTORY) return existing ? Errno.NOTDIR : Errno.NOENT;
    let flags = readable && writable ? fsc.O_RDWR : writable ? fsc.O_WRONLY : fsc.O_RDONLY;
    if (oflags & OFlags.CREAT) flags |= fsc.O_CREAT;
    if (oflags & OFlags.EXCL) flags |= fsc.O_EXCL;
    if (oflags & OFlags.TRUNC) flags |= fsc.O_TRUNC;
    if (!follow) flags |= fsc.O_NOFOLLOW;
    const append = (fdflags & FdFlags.APPEND) !== 0;
    const hostFd = openSync(host, flags, 0o644);
    const fd = this.#fds.add({ kind: "file", root: dir.root, host: hostFd, append, readable: readable || !writable, writable, position: 0n });
    this.#view().setUint32(out, fd, true);
    return Errno.SUCCESS;
  }

  #readdir(fd: number, buf: number, len: number, cookie: bigint, usedPtr: number): number {
    const f = this.#fds.get(fd);
    if (f.kind !== "dir") return Errno.NOTDIR;
    const { host } = resolveInside(f.root, f.rel, ".", true);
    const entries: { name: Uint8Array; type: number }[] = [
      { name: enc.encode("."), type: FileType.DIRECTORY },
      { name: enc.encode(".."), type: FileType.DIRECTORY },
      ...readdirSync(host, { withFileTypes: true }).map((d) => ({ name: enc.encode(d.name), type: fileTypeOf(d) })),
    ];
    const out = this.#bytes(buf, len);
    const header = new Uint8Array(24);
    const hv = new DataView(header.buffer);
    let used = 0;
    for (let i = Number(cookie); i < entries.length && used < len; i++) {
      const e = entries[i]!;
      hv.setBigUint64(0, BigInt(i + 1), true);
      hv.setBigUint64(8, 0n, true);
      hv.setUint32(16, e.name.length, true);
      hv.setUint8(20, e.type);
      for (const part of [header, e.name]) {
        const n = Math.min(part.length, len - used);
        out.set(part.subarray(0, n), used);
        used += n;
      }
    }
    this.#view().setUint32(usedPtr, used, true);
    return Errno.SUCCESS;
  }

  /** Clock subscriptions sleep (the wall-clock limit still applies); descriptor subscriptions are always ready. */
  #poll(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    if (nsubs === 0) return Errno.INVAL;
    const v = this.#view();
    const subs = Array.from({ length: nsubs }, (_, i) => {
      const at = inPtr + i * 48;
      return {
        userdata: v.getBigUint64(at, true),
        tag: v.getUint8(at + 8),
        clockId: v.getUint32(at + 16, true),
        timeout: v.getBigUint64(at + 24, true),
        abstime: (v.getUint16(at + 40, true) & SubClockFlags.ABSTIME) !== 0,
        fd: v.getUint32(at + 16, true),
      };
    });
    const events: { userdata: bigint; type: number; error: number; nbytes: bigint }[] = [];
    for (const s of subs) {
      if (s.tag === WasiEventType.CLOCK) continue;
      let kind: string | undefined;
      try {
        kind = this.#fds.get(s.fd).kind;
      } catch {
        kind = undefined;
      }
      const nbytes = s.tag === WasiEventType.FD_READ && kind === "stdin" ? BigInt(this.#stdin.remaining) : 0n;
      events.push({ userdata: s.userdata, type: s.tag, error: kind ? Errno.SUCCESS : Errno.BADF, nbytes });
    }
    if (events.length === 0) {
      const waits = subs.map((s) => {
        const now = this.#clock(s.clockId);
        if (now === null) return { s, ns: 0n, error: Errno.INVAL };
        const ns = s.abstime ? s.timeout - now : s.timeout;
        return { s, ns: ns > 0n ? ns : 0n, error: Errno.SUCCESS };
      });
      const shortest = waits.reduce((m, w) => (w.ns < m ? w.ns : m), waits[0]!.ns);
      if (shortest > 0n) Atomics.wait(sleeper, 0, 0, Number(shortest) / 1e6);
      for (const w of waits) if (w.ns <= shortest) events.push({ userdata: w.s.userdata, type: WasiEventType.CLOCK, error: w.error, nbytes: 0n });
    }
    events.forEach((e, i) => {
      const at = outPtr + i * 32;
      this.#bytes(at, 32).fill(0);
      v.setBigUint64(at, e.userdata, true);
      v.setUint16(at + 8, e.error, true);
      v.setUint8(at + 10, e.type);
      v.setBigUint64(at + 16, e.nbytes, true);
    });
    this.#view().setUint32(neventsPtr, events.length, true);
    return Errno.SUCCESS;
  }
}
