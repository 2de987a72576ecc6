;; Imports something no host provides.
(module
  (import "env" "mystery" (func (param i32)))
  (func (export "_start")))
