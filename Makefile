# Convenience front end over CMake. `make test` is what CI runs: it installs missing Debian
# packages, builds a Release tree in build/ and an ASan+UBSan tree in build-asan/, and runs
# every test of both through ctest.

JOBS ?= 2
# intercept_tls_get_addr=0: LeakSanitizer misreads the dynamic TLS blocks of the dlopen'd
# LLVM library under glibc 2.36 ("DTLS 6 at 0x334-0x3000001436") and its tracer crashes at
# exit after an in-process compile; leak checking itself stays on.
ASAN_OPTIONS := detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0
DEB_PACKAGES := cmake make gcc llvm-16-dev libjansson-dev libssl-dev wabt wasi-libc lld-16 libclang-rt-16-dev-wasm32 clang-16 libarchive-dev umoci skopeo libseccomp-dev python3

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

# `make fuzz`: libFuzzer targets of tests/fuzz, built with clang-16 in build-fuzz/ (its own
# CMake tree: -DWAOT_FUZZ=ON, libraries instrumented with -fsanitize=fuzzer-no-link + ASan +
# UBSan), seeded by tests/fuzz/make_corpus.sh (corpora in build-fuzz/corpus, reused and grown
# between runs), each target run for FUZZ_SECONDS. Crash reproducers land in
# build-fuzz/crashes/. `make fuzz-smoke` is the same with 10 s per target. Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= /usr/lib/llvm-16/bin/clang
FUZZ_TARGETS := fuzz_wasm fuzz_artifact fuzz_image_json fuzz_unpack
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
