;; Calls the test-only import that signals another process (kill(getppid(), 0)): blocked.
(module
  (import "waot_test" "kill_other" (func $kill (result i32)))
  (func (export "run") (result i32) (call $kill)))
