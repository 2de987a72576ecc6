#!/bin/bash
# Stands in for `waot` when tests/wasi_suite/wasi_suite runs WASI tests on aarch64 (see
# run_aarch64.sh): wasi_suite calls `WAOT run OPTIONS -- FILE.wasm ARGS...`; this runs the
# aarch64 waot under qemu-aarch64-static on the artifact compiled on the host for FILE.wasm
# ($WAOT_A64_ARTIFACTS/<sha256 of FILE.wasm>.waot), with the guest's argv[0] what it would
# be for FILE.wasm. qemu-user cannot install a seccomp filter for the emulated
# architecture (libseccomp's load fails with ECANCELED), so the run is --seccomp=unconfined;
# the filter's rules for aarch64 are still built (the failure comes at load). The warning
# that option prints is taken out of stderr, which some tests compare exactly.
# Environment: WAOT_A64 (the aarch64 waot), WAOT_A64_ARTIFACTS, QEMU (default
# qemu-aarch64-static).
set -u
: "${WAOT_A64:?}" "${WAOT_A64_ARTIFACTS:?}"
[ "${1:-}" = run ] || { echo "waot_qemu.sh: only 'run' is supported" >&2; exit 125; }
shift
opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
[ $# -ge 2 ] || { echo "waot_qemu.sh: expected -- FILE.wasm" >&2; exit 125; }
wasm=$2
shift 2
sum=$(sha256sum < "$wasm") || exit 125
artifact=$WAOT_A64_ARTIFACTS/${sum%% *}.waot
[ -f "$artifact" ] || { echo "waot_qemu.sh: no artifact for $wasm ($artifact)" >&2; exit 125; }
exec 2> >(sed -u '/^waot: WARNING: --seccomp=unconfined/d' >&2)
exec "${QEMU:-qemu-aarch64-static}" "$WAOT_A64" run "${opts[@]}" --seccomp=unconfined \
    --argv0 "${wasm##*/}" -- "$artifact" "$@"
