;; noop: the function the invoke benchmarks call. It ignores its input and writes `null` (the
;; smallest JSON output) to standard output: a WASI preview 1 command, one fd_write.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))

  ;; 0-7: one iovec {buf, len}; 8-11: bytes written; 16-19: the output.
  (memory (export "memory") 1)
  (data (i32.const 16) "null")

  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
)
