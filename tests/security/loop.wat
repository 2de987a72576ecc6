;; Never ends: only --timeout stops it.
(module
  (memory (export "memory") 1)
  (func $spin (export "_start")
    (loop $l (br $l))))
