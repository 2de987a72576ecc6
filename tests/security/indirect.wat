;; call_indirect through a table slot whose function has another type: must trap with
;; "indirect call type mismatch" (exit 134), never run the function with wrong arguments.
(module
  (type $takes_i64 (func (param i64) (result i64)))
  (type $takes_i32 (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $id64)
  (func $id64 (type $takes_i64) (local.get 0))
  (func (export "_start")
    ;; slot 0 holds an (i64)->i64 function; call it as (i32)->i32
    (drop (call_indirect (type $takes_i32) (i32.const 7) (i32.const 0)))))
