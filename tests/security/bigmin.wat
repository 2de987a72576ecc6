;; A memory whose minimum (2048 pages, 128 MiB) exceeds a 64 MiB --memory cap.
(module
  (memory (export "memory") 2048)
  (func (export "_start")))
