;; wordcount: counts the bytes, characters, words and lines of a text and computes its CRC-32.
;;
;; Input: a JSON string, e.g. "the quick brown fox\n".
;; Output: {"bytes":20,"chars":20,"words":4,"lines":1,"crc32":<number>}
;;   bytes: length of the text in UTF-8; chars: Unicode code points; words: runs of characters
;;   other than ASCII white space; lines: newline characters; crc32: IEEE CRC-32 of the UTF-8.
;; Anything other than one JSON string fails with a message on stderr and exit code 1.
;;
;; The string is decoded in place (escapes, \uXXXX and surrogate pairs to UTF-8; a lone
;; surrogate becomes U+FFFD as in every UTF-8 encoder), then scanned once.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; 0-15: I/O scratch; 16-31: digits; 256-511: texts; 1024-2047: the output; 65536-: the input.
  (memory (export "memory") 2)
  (data (i32.const 256) "{\"bytes\":\00")
  (data (i32.const 272) ",\"chars\":\00")
  (data (i32.const 288) ",\"words\":\00")
  (data (i32.const 304) ",\"lines\":\00")
  (data (i32.const 320) ",\"crc32\":\00")
  (data (i32.const 336) "}\00")
  (data (i32.const 352) "input must be a JSON string\n\00")
  (data (i32.const 400) "input is larger than the memory limit allows\n\00")
  (data (i32.const 464) "cannot read stdin\n\00")
  (global $in i32 (i32.const 65536))
  (global $out (mut i32) (i32.const 1024))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $write_all (param $fd i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (if (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $proc_exit (i32.const 2))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))

  ;; Writes the NUL-terminated message at $msg to stderr and exits with code 1.
  (func $fail (param $msg i32)
    (call $write_all (i32.const 2) (local.get $msg) (call $strlen (local.get $msg)))
    (call $proc_exit (i32.const 1))
    unreachable)

  (func $emit (param $p i32) (param $len i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store8 (global.get $out) (i32.load8_u (local.get $p)))
        (global.set $out (i32.add (global.get $out) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next))))

  (func $emit_text (param $p i32)
    (call $emit (local.get $p) (call $strlen (local.get $p))))

  ;; Appends $v as an unsigned decimal number.
  (func $emit_u32 (param $v i32)
    (local $p i32)
    (local.set $p (i32.const 32))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (call $emit (local.get $p) (i32.sub (i32.const 32) (local.get $p))))

  ;; Reads all of stdin to $in, growing memory to keep 64 KiB free for each read; returns its length.
  (func $read_input (result i32)
    (local $len i32)
    (local $n i32)
    (block $eof
      (loop $next
        (if (i32.gt_u (i32.add (i32.add (global.get $in) (local.get $len)) (i32.const 65536))
                      (i32.mul (memory.size) (i32.const 65536)))
          (then
            (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
              (then (call $fail (i32.const 400))))))
        (i32.store (i32.const 0) (i32.add (global.get $in) (local.get $len)))
        (i32.store (i32.const 4) (i32.const 65536))
        (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8))
          (then (call $fail (i32.const 464))))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (local.set $len (i32.add (local.get $len) (local.get $n)))
        (br $next)))
    (local.get $len))

  (func $skip_ws (param $i i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (br_if $done
          (i32.eqz (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                           (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))

  ;; The value of a hex digit, -1 for any other byte.
  (func $hex (param $c i32) (result i32)
    (if (i32.and (i32.ge_u (local.get $c) (i32.const 48)) (i32.le_u (local.get $c) (i32.const 57)))
      (then (return (i32.sub (local.get $c) (i32.const 48)))))
    (local.set $c (i32.or (local.get $c) (i32.const 32)))
    (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 102)))
      (then (return (i32.sub (local.get $c) (i32.const 87)))))
    (i32.const -1))

  ;; The value of the four hex digits at $p, -1 when they are not all hex digits.
  (func $hex4 (param $p i32) (result i32)
    (local $v i32)
    (local $d i32)
    (local $k i32)
    (block $bad
      (loop $next
        (local.set $d (call $hex (i32.load8_u (i32.add (local.get $p) (local.get $k)))))
        (br_if $bad (i32.lt_s (local.get $d) (i32.const 0)))
        (local.set $v (i32.or (i32.shl (local.get $v) (i32.const 4)) (local.get $d)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $k) (i32.const 4))))
      (return (local.get $v)))
    (i32.const -1))

  ;; The byte a one-character escape stands for, -1 when it is not one.
  (func $unescape (param $c i32) (result i32)
    (if (i32.or (i32.eq (local.get $c) (i32.const 34))
                (i32.or (i32.eq (local.get $c) (i32.const 92)) (i32.eq (local.get $c) (i32.const 47))))
      (then (return (local.get $c))))
    (if (i32.eq (local.get $c) (i32.const 98)) (then (return (i32.const 8))))
    (if (i32.eq (local.get $c) (i32.const 102)) (then (return (i32.const 12))))
    (if (i32.eq (local.get $c) (i32.const 110)) (then (return (i32.const 10))))
    (if (i32.eq (local.get $c) (i32.const 114)) (then (return (i32.const 13))))
    (if (i32.eq (local.get $c) (i32.const 116)) (then (return (i32.const 9))))
    (i32.const -1))

  ;; Writes code point $cp as UTF-8 at $o; returns the position after it.
  (func $put_utf8 (param $o i32) (param $cp i32) (result i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x80))
      (then
        (i32.store8 (local.get $o) (local.get $cp))
        (return (i32.add (local.get $o) (i32.const 1)))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x800))
      (then
        (i32.store8 (local.get $o) (i32.or (i32.const 0xC0) (i32.shr_u (local.get $cp) (i32.const 6))))
        (i32.store8 offset=1 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
        (return (i32.add (local.get $o) (i32.const 2)))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (i32.store8 (local.get $o) (i32.or (i32.const 0xE0) (i32.shr_u (local.get $cp) (i32.const 12))))
        (i32.store8 offset=1 (local.get $o) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3F))))
        (i32.store8 offset=2 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
        (return (i32.add (local.get $o) (i32.const 3)))))
    (i32.store8 (local.get $o) (i32.or (i32.const 0xF0) (i32.shr_u (local.get $cp) (i32.const 18))))
    (i32.store8 offset=1 (local.get $o) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 12)) (i32.const 0x3F))))
    (i32.store8 offset=2 (local.get $o) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3F))))
    (i32.store8 offset=3 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3F))))
    (i32.add (local.get $o) (i32.const 4)))

  ;; Decodes the JSON string in [$in, $end) in place (the text never gets longer than its
  ;; escaped form); returns the end of the decoded UTF-8.
  (func $decode_string (param $end i32) (result i32)
    (local $i i32)
    (local $o i32)
    (local $c i32)
    (local $cp i32)
    (local $lo i32)
    (local.set $i (call $skip_ws (global.get $in) (local.get $end)))
    (local.set $o (global.get $in))
    (if (i32.ge_u (local.get $i) (local.get $end)) (then (call $fail (i32.const 352))))
    (if (i32.ne (i32.load8_u (local.get $i)) (i32.const 34)) (then (call $fail (i32.const 352))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (block $closed
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $end)) (then (call $fail (i32.const 352))))
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $closed (i32.eq (local.get $c) (i32.const 34)))
        (if (i32.lt_u (local.get $c) (i32.const 32)) (then (call $fail (i32.const 352))))
        (if (i32.eq (local.get $c) (i32.const 92))
          (then
            (if (i32.ge_u (local.get $i) (local.get $end)) (then (call $fail (i32.const 352))))
            (local.set $c (i32.load8_u (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.eq (local.get $c) (i32.const 117))
              (then
                (if (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end)) (then (call $fail (i32.const 352))))
                (local.set $cp (call $hex4 (local.get $i)))
                (if (i32.lt_s (local.get $cp) (i32.const 0)) (then (call $fail (i32.const 352))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                ;; a high surrogate followed by \uDC00-\uDFFF is one code point
                (if (i32.and (i32.eq (i32.and (local.get $cp) (i32.const 0xFC00)) (i32.const 0xD800))
                             (i32.le_u (i32.add (local.get $i) (i32.const 6)) (local.get $end)))
                  (then
                    (if (i32.and (i32.eq (i32.load8_u (local.get $i)) (i32.const 92))
                                 (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 117)))
                      (then
                        (local.set $lo (call $hex4 (i32.add (local.get $i) (i32.const 2))))
                        (if (i32.eq (i32.and (local.get $lo) (i32.const 0xFC00)) (i32.const 0xDC00))
                          (then
                            (local.set $cp
                              (i32.add (i32.const 0x10000)
                                (i32.or (i32.shl (i32.sub (local.get $cp) (i32.const 0xD800)) (i32.const 10))
                                        (i32.sub (local.get $lo) (i32.const 0xDC00)))))
                            (local.set $i (i32.add (local.get $i) (i32.const 6)))))))))
                (if (i32.eq (i32.and (local.get $cp) (i32.const 0xFFFFF800)) (i32.const 0xD800))
                  (then (local.set $cp (i32.const 0xFFFD))))
                (local.set $o (call $put_utf8 (local.get $o) (local.get $cp)))
                (br $next)))
            (local.set $c (call $unescape (local.get $c)))
            (if (i32.lt_s (local.get $c) (i32.const 0)) (then (call $fail (i32.const 352))))))
        (i32.store8 (local.get $o) (local.get $c))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next)))
    (if (i32.ne (call $skip_ws (local.get $i) (local.get $end)) (local.get $end))
      (then (call $fail (i32.const 352))))
    (local.get $o))

  (func (export "_start")
    (local $end i32)
    (local $p i32)
    (local $b i32)
    (local $chars i32)
    (local $words i32)
    (local $lines i32)
    (local $crc i32)
    (local $inword i32)
    (local $ws i32)
    (local $k i32)
    (local.set $end (call $decode_string (i32.add (global.get $in) (call $read_input))))
    (local.set $crc (i32.const -1))
    (local.set $p (global.get $in))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $p)))
        (if (i32.ne (i32.and (local.get $b) (i32.const 0xC0)) (i32.const 0x80))
          (then (local.set $chars (i32.add (local.get $chars) (i32.const 1)))))
        (if (i32.eq (local.get $b) (i32.const 10))
          (then (local.set $lines (i32.add (local.get $lines) (i32.const 1)))))
        (local.set $ws
          (i32.or (i32.eq (local.get $b) (i32.const 32))
                  (i32.and (i32.ge_u (local.get $b) (i32.const 9)) (i32.le_u (local.get $b) (i32.const 13)))))
        (if (i32.and (i32.eqz (local.get $ws)) (i32.eqz (local.get $inword)))
          (then (local.set $words (i32.add (local.get $words) (i32.const 1)))))
        (local.set $inword (i32.eqz (local.get $ws)))
        ;; CRC-32 (IEEE, reflected polynomial 0xEDB88320), one bit at a time
        (local.set $crc (i32.xor (local.get $crc) (local.get $b)))
        (local.set $k (i32.const 8))
        (loop $bit
          (local.set $crc
            (i32.xor (i32.shr_u (local.get $crc) (i32.const 1))
                     (i32.and (i32.const 0xEDB88320) (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
          (local.set $k (i32.sub (local.get $k) (i32.const 1)))
          (br_if $bit (local.get $k)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (call $emit_text (i32.const 256))
    (call $emit_u32 (i32.sub (local.get $end) (global.get $in)))
    (call $emit_text (i32.const 272))
    (call $emit_u32 (local.get $chars))
    (call $emit_text (i32.const 288))
    (call $emit_u32 (local.get $words))
    (call $emit_text (i32.const 304))
    (call $emit_u32 (local.get $lines))
    (call $emit_text (i32.const 320))
    (call $emit_u32 (i32.xor (local.get $crc) (i32.const -1)))
    (call $emit_text (i32.const 336))
    (call $write_all (i32.const 1) (i32.const 1024) (i32.sub (global.get $out) (i32.const 1024))))
)
