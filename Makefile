# Convenience front end over CMake. `make test` is what CI runs: it installs missing Debian
# packages, builds a Release tree in build/ and an ASan+UBSan tree in build-asan/, runs every
# test of both through ctest (the containerd tests as root), then the aarch64 suite under
# qemu (test-aarch64).

JOBS ?= 2
# intercept_tls_get_addr=0: LeakSanitizer misreads the dynamic TLS blocks of the dlopen'd
# LLVM library under glibc 2.36 ("DTLS 6 at 0x334-0x3000001436") and its tracer crashes at
# exit after an in-process compile; leak checking itself stays on.
ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0
DEB_PACKAGES := cmake make gcc llvm-16-dev libjansson-dev libssl-dev wabt wasi-libc lld-16 libclang-rt-16-dev-wasm32 clang-16 libarchive-dev umoci skopeo libseccomp-dev python3 protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev python3-grpcio python3-grpc-tools containerd runc busybox-static

.PHONY: all build deps demo test test-release asan test-asan clean install

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

# The aarch64 run reuses build/ for the host side (compiler, WASI runner and guests).
test: test-release test-asan
	$(MAKE) test-aarch64 A64_HOST_BUILD=build

clean:
	rm -rf build build-asan

# `make install`: waot and containerd-shim-waot-v1 in $(PREFIX)/bin, libwaot_compiler.so in
# $(PREFIX)/lib/waot (where both look for it, relative to their own directory).
PREFIX ?= /usr/local
install: build
	cmake --install build --prefix $(PREFIX)

# `make fuzz`: libFuzzer targets of tests/fuzz, built with clang-16 in build-fuzz/ (its own
# CMake tree: -DWAOT_FUZZ=ON, libraries instrumented with -fsanitize=fuzzer-no-link + ASan +
# UBSan), seeded by tests/fuzz/make_corpus.sh (corpora in build-fuzz/corpus, reused and grown
# between runs), each target run for FUZZ_SECONDS. Crash reproducers land in
# build-fuzz/crashes/. `make fuzz-smoke` is the same with 10 s per target. Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= /usr/lib/llvm-16/bin/clang
FUZZ_TARGETS := fuzz_wasm fuzz_artifact fuzz_image_json fuzz_unpack fuzz_ttrpc
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer

.PHONY: fuzz fuzz-smoke fuzz-build

build-fuzz/CMakeCache.txt:
	CC=$(FUZZ_CC) cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAOT_FUZZ=ON \
	  -DWAOT_WERROR=OFF -DCMAKE_C_FLAGS="$(FUZZ_FLAGS)"

fuzz-build: build-fuzz/CMakeCache.txt
	$(MAKE) build
	cmake --build build-fuzz -j$(JOBS) --target $(FUZZ_TARGETS)
	bash tests/fuzz/make_corpus.sh build-fuzz/corpus build/waot

fuzz: fuzz-build
	@mkdir -p build-fuzz/crashes; fail=""; \
	for t in $(FUZZ_TARGETS); do \
	  echo "== $$t: $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1:intercept_tls_get_addr=0 build-fuzz/tests/fuzz/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/crashes/$$t- build-fuzz/corpus/$$t \
	    > build-fuzz/$$t.log 2>&1 || fail="$$fail $$t"; \
	  grep -E 'DONE|^stat::number_of_executed_units|ERROR|SUMMARY' build-fuzz/$$t.log | tail -4; \
	done; \
	if [ -n "$$fail" ]; then echo "fuzz: FAILED:$$fail (logs build-fuzz/<target>.log, inputs build-fuzz/crashes/)"; exit 1; fi; \
	echo "fuzz: all targets ran $(FUZZ_SECONDS) s without a finding"

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

# ---- aarch64 (docs/cross-testing.md) ----
# `make test-aarch64`: cross-builds the runtime side of waot for aarch64 (build-a64: no LLVM,
# cmake/aarch64-linux-gnu.cmake) and the aarch64 compiler library (build-a64cc, linked with
# Debian's libllvm16:arm64), builds the x86_64 host tools (A64_HOST_BUILD: waot, the compiler,
# the WASI runner and guests), then runs tests/aarch64/run_aarch64.sh: every spec script and
# the WASI suites under qemu-aarch64-static with code compiled here, trap backtraces, and
# byte-identical artifacts from the x86_64 and the aarch64 compiler. The arm64 packages are
# Debian multiarch ones; they co-install with the amd64 packages of DEB_PACKAGES.
A64_DEB_PACKAGES := gcc-aarch64-linux-gnu qemu-user-static libc6:arm64 libjansson-dev:arm64 \
  libssl-dev:arm64 libseccomp-dev:arm64 libllvm16:arm64
A64_HOST_BUILD ?= build-a64host
A64_TOOLCHAIN := -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release

.PHONY: deps-aarch64 build-aarch64 test-aarch64

deps-aarch64:
	@dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -qq; }; \
	missing=""; for p in $(A64_DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build-a64/CMakeCache.txt:
	cmake -S . -B build-a64 $(A64_TOOLCHAIN) -DWAOT_WITH_COMPILER=OFF

build-a64cc/CMakeCache.txt:
	cmake -S . -B build-a64cc $(A64_TOOLCHAIN) -DLLVM_LIB=/usr/lib/aarch64-linux-gnu/libLLVM-16.so.1

$(A64_HOST_BUILD)/CMakeCache.txt:
	cmake -S . -B $(A64_HOST_BUILD) -DCMAKE_BUILD_TYPE=Release

build-aarch64: build-a64/CMakeCache.txt build-a64cc/CMakeCache.txt $(A64_HOST_BUILD)/CMakeCache.txt
	cmake --build build-a64 -j$(JOBS)
	cmake --build build-a64cc -j$(JOBS) --target waot waot_compiler
	cmake --build $(A64_HOST_BUILD) -j$(JOBS) --target waot waot_compiler wasi_suite wasi_programs

test-aarch64: deps deps-aarch64
	$(MAKE) build-aarch64
	COMPILER_A64=build-a64cc/libwaot_compiler.so \
	  bash tests/aarch64/run_aarch64.sh $(A64_HOST_BUILD) build-a64 build-a64/test
