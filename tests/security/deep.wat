;; Bounded recursion: deep(n) calls itself n times and returns n. A million frames need
;; more than a default 8 MiB stack; --max-stack above the thread's stack runs the guest on
;; a thread of that size.
(module
  (func $deep (export "deep") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
                     (call $deep (i32.sub (local.get $n) (i32.const 1))))))))
