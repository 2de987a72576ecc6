;; call_indirect through an empty table slot and past the end of the table: traps, not a
;; jump to whatever the host has at that address. Which one runs is chosen by the first
;; argument (0: empty slot, 1: past the end).
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (type $v (func))
  (memory (export "memory") 1)
  (table 2 funcref)
  (func (export "_start")
    ;; argc > 2 (an extra guest argument) selects "past the end"
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (if (i32.gt_u (i32.load (i32.const 0)) (i32.const 1))
      (then (call_indirect (type $v) (i32.const 1000)))
      (else (call_indirect (type $v) (i32.const 1))))))
