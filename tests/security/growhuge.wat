;; memory.grow far past what a 32-bit memory can hold, without --memory: each returns -1
;; and the memory keeps its size. Exit status (proc_exit): 0, else the failed step.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; 2^32 - 1 pages; 65536 pages (the limit is 65536 in total, one is in use)
    (if (i32.ne (memory.grow (i32.const -1)) (i32.const -1)) (then (call $exit (i32.const 1))))
    (if (i32.ne (memory.grow (i32.const 65536)) (i32.const -1)) (then (call $exit (i32.const 2))))
    (if (i32.ne (memory.grow (i32.const 0x8000_0000)) (i32.const -1)) (then (call $exit (i32.const 3))))
    (if (i32.ne (memory.size) (i32.const 1)) (then (call $exit (i32.const 4))))
    ;; the last byte is still usable, the next one is not there
    (i32.store8 (i32.const 65535) (i32.const 7))
    (call $exit (i32.const 0))))
