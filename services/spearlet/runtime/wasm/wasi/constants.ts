/** WASI preview 1 numbers (wasi_snapshot_preview1 witx): only those the host uses. */
export const Errno = {
  SUCCESS: 0,
  ACCES: 2,
  BADF: 8,
  EXIST: 20,
  FAULT: 21,
  FBIG: 22,
  INVAL: 28,
  IO: 29,
  ISDIR: 31,
  LOOP: 32,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSPC: 51,
  NOSYS: 52,
  NOTDIR: 54,
  NOTEMPTY: 55,
  NOTSUP: 58,
  PERM: 63,
  ROFS: 69,
  SPIPE: 70,
  XDEV: 75,
  NOTCAPABLE: 76,
} as const;

export const errnoName = (code: number): string =>
  Object.entries(Errno).find(([, v]) => v === code)?.[0].toLowerCase() ?? String(code);

/** Node's fs error codes mapped to WASI errno. */
export const hostErrno: Readonly<Record<string, number>> = {
  ENOENT: Errno.NOENT,
  EEXIST: Errno.EXIST,
  EISDIR: Errno.ISDIR,
  ENOTDIR: Errno.NOTDIR,
  ENOTEMPTY: Errno.NOTEMPTY,
  EACCES: Errno.ACCES,
  EPERM: Errno.PERM,
  EBADF: Errno.BADF,
  EINVAL: Errno.INVAL,
  ENOSPC: Errno.NOSPC,
  ELOOP: Errno.LOOP,
  ENAMETOOLONG: Errno.NAMETOOLONG,
  EMFILE: Errno.MFILE,
  EXDEV: Errno.XDEV,
  EROFS: Errno.ROFS,
  EFBIG: Errno.FBIG,
};

export const FileType = { UNKNOWN: 0, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SYMBOLIC_LINK: 7 } as const;

export const Rights = {
  FD_READ: 1n << 1n,
  FD_WRITE: 1n << 6n,
  FD_ALLOCATE: 1n << 8n,
  FD_READDIR: 1n << 14n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  /** Every right preview 1 defines (bits 0-29). */
  ALL: (1n << 30n) - 1n,
} as const;

export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
export const FdFlags = { APPEND: 1 } as const;
export const LookupFlags = { SYMLINK_FOLLOW: 1 } as const;
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
export const WasiEventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
export const SubClockFlags = { ABSTIME: 1 } as const;
