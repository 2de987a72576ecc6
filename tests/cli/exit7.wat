;; Calls proc_exit(7) from _start.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "_start") (call $exit (i32.const 7)) unreachable)
  (memory (export "memory") 1))
