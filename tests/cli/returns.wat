;; _start that just returns: exit status 0.
(module (func (export "_start")))
