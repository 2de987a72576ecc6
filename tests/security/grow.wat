;; memory.grow under --memory: growing by 1 page works, growing past the cap returns -1.
;; Exit status (proc_exit): 0 when both behave, else a code naming the failed step.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then (call $exit (i32.const 1))))
    ;; 1 GiB more: past a 64 MiB cap
    (if (i32.ne (memory.grow (i32.const 16384)) (i32.const -1)) (then (call $exit (i32.const 2))))
    ;; 65536 pages: past everything
    (if (i32.ne (memory.grow (i32.const 65535)) (i32.const -1)) (then (call $exit (i32.const 3))))
    (if (i32.ne (memory.size) (i32.const 2)) (then (call $exit (i32.const 4))))
    (call $exit (i32.const 0))))
