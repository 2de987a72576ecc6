;; Calls the test-only import that signals this process (kill(getpid(), 0)): allowed.
(module
  (import "waot_test" "kill_self" (func $kill (result i32)))
  (func (export "run") (result i32) (call $kill)))
