;; raw-output: writes its standard input without its first and last byte, for the fuzz run
;; (bench/fuzz). Given a JSON string as input ("text"), it prints the text itself, so the fuzzer
;; chooses any output: not JSON, nested too deeply, empty, huge. A WASI preview 1 command that
;; streams in 64 KiB pieces, holding back one byte, so any input size fits one page of buffer.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; 0-7: one iovec {buf, len}; 8-11: bytes read or written; page 1: the held byte, then the buffer.
  (memory (export "memory") 2)
  (global $held i32 (i32.const 65536))

  (func $write_all (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.le_s (local.get $len) (i32.const 0)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 1))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))

  (func (export "_start")
    (local $n i32) (local $start i32) (local $len i32) (local $first i32) (local $holding i32)
    (local.set $first (i32.const 1))
    (block $eof
      (loop $next
        ;; Read after the held byte, so held byte and chunk are contiguous.
        (i32.store (i32.const 0) (i32.add (global.get $held) (i32.const 1)))
        (i32.store (i32.const 4) (i32.const 65535))
        (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 1))))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $start (i32.add (global.get $held) (i32.const 1)))
        (local.set $len (local.get $n))
        (if (local.get $holding)
          (then
            (local.set $start (global.get $held))
            (local.set $len (i32.add (local.get $n) (i32.const 1)))))
        (if (local.get $first)
          (then
            (local.set $start (i32.add (local.get $start) (i32.const 1)))
            (local.set $len (i32.sub (local.get $len) (i32.const 1)))
            (local.set $first (i32.const 0))))
        ;; Write all but the last byte, which becomes the held byte (dropped at the end of input).
        (local.set $holding (i32.gt_s (local.get $len) (i32.const 0)))
        (if (local.get $holding)
          (then
            (call $write_all (local.get $start) (i32.sub (local.get $len) (i32.const 1)))
            (i32.store8 (global.get $held) (i32.load8_u (i32.add (local.get $start) (i32.sub (local.get $len) (i32.const 1)))))))
        (br $next))))
)
