# Convenience front end over CMake. `make test` is what CI runs: it installs missing Debian
# packages, builds a Release tree in build/ and an ASan+UBSan tree in build-asan/, and runs
# every test of both through ctest.

JOBS ?= 2
# intercept_tls_get_addr=0: LeakSanitizer misreads the dynamic TLS blocks of the dlopen'd
# LLVM library under glibc 2.36 ("DTLS 6 at 0x334-0x3000001436") and its tracer crashes at
# exit after an in-process compile; leak checking itself stays on.
ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0
DEB_PACKAGES := cmake make gcc llvm-16-dev libjansson-dev libssl-dev wabt wasi-libc lld-16 libclang-rt-16-dev-wasm32 clang-16 libarchive-dev umoci skopeo libseccomp-dev

.PHONY: all build deps demo test test-release asan test-asan clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build/CMakeCache.txt:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release

build: build/CMakeCache.txt
	cmake --build build -j$(JOBS)

build-asan/CMakeCache.txt:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAOT_SANITIZE=ON

asan: build-asan/CMakeCache.txt
	cmake --build build-asan -j$(JOBS)

# `make demo`: installs what is missing, builds, packs examples/hello (built to wasm32-wasi
# by the build) as an OCI image with `waot image build` and runs it with `waot run`, cold
# (empty cache: compiles) and warm (from the cache), printing both times.
demo: deps
	$(MAKE) build
	bash examples/demo.sh build

test-release: deps
	$(MAKE) build
	cd build && ctest -j$(JOBS) --output-on-failure

test-asan: deps
	$(MAKE) asan
	cd build-asan && ASAN_OPTIONS=$(ASAN_OPTIONS) ctest -j$(JOBS) --output-on-failure

test: test-release test-asan

clean:
	rm -rf build build-asan
