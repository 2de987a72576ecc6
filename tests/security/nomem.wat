;; A guest without a memory export calls WASI functions that take pointers: with no memory
;; to check them against, every pointer is out of bounds, so each call returns `fault` (21)
;; and nothing is written. Exit status (proc_exit): 0 when every call said 21, else the
;; number of the first call that did not.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1) ;; present but not exported: WASI cannot see it
  (func $expect_fault (param $got i32) (param $step i32)
    (if (i32.ne (local.get $got) (i32.const 21)) (then (call $exit (local.get $step)))))
  (func (export "_start")
    (call $expect_fault (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 1))
    (call $expect_fault (call $random_get (i32.const 0) (i32.const 16)) (i32.const 2))
    (call $expect_fault (call $args_sizes_get (i32.const 0) (i32.const 4)) (i32.const 3))
    (call $expect_fault (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 0)) (i32.const 4))
    (call $expect_fault (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 1)
                           (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))
                        (i32.const 5))
    (call $expect_fault (call $fd_prestat_get (i32.const 3) (i32.const 0)) (i32.const 6))
    (call $exit (i32.const 0))))
