;; Calls the test-only import that makes a forbidden system call (socket).
(module
  (import "waot_test" "forbidden_syscall" (func $forbidden (result i32)))
  (func (export "run") (result i32) (call $forbidden)))
