#!/usr/bin/env bash
# What confinement costs at start: prints figures, asserts nothing about speed.
#
# Warm `waot run hello.wasm` (examples/hello, cache primed) with hyperfine (-N: no shell):
# median and minimum wall time and mean CPU time (user + system) of each variant, and the
# ratios of median and CPU time to the unconfined run:
#   --seccomp=unconfined          no filter, no limits beyond the default --max-fds
#   default                       the seccomp filter (what every run gets)
#   --memory 256M                 + the linear-memory cap and RLIMIT_AS
#   --timeout 60s                 + the POSIX timer (armed, never fires)
#   --memory 256M --timeout 60s   both
#   --seccomp=unconfined --memory 256M --timeout 60s   the limits without the filter
# Runs are interleaved variant by variant in rounds, so that a change of machine load
# during the benchmark spreads over all of them instead of skewing one.
#
#   bench/confinement.sh [--runs N] [--rounds N]
# Environment: WAOT (default build/waot), WASM (default build/examples/hello.wasm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
waot=${WAOT:-$top/build/waot}
wasm=${WASM:-$top/build/examples/hello.wasm}
runs=40
rounds=10

usage() {
    echo "usage: $0 [--runs N] [--rounds N]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) usage ;;
    esac
done

[ -x "$waot" ] || { echo "waot not found at $waot (build it, or set WAOT)" >&2; exit 1; }
[ -f "$wasm" ] || { echo "example module not found at $wasm (build it, or set WASM)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine not installed: no figures"; exit 0; }
command -v jq >/dev/null || { echo "jq not installed: no figures"; exit 0; }
b=$(mktemp -d "${TMPDIR:-/tmp}/waot-confinement.XXXXXX")
trap 'rm -rf "$b"' EXIT
export WAOT_CACHE_DIR=$b/cache
cp "$wasm" "$b/hello.wasm"
"$waot" run "$b/hello.wasm" >/dev/null # prime the cache (and the seccomp program cache)

names=(unconfined default memory timeout memory+timeout limits-unconfined)
declare -A opts=(
    [unconfined]="--seccomp=unconfined"
    [default]=""
    [memory]="--memory 256M"
    [timeout]="--timeout 60s"
    [memory+timeout]="--memory 256M --timeout 60s"
    [limits-unconfined]="--seccomp=unconfined --memory 256M --timeout 60s"
)
declare -A label=(
    [unconfined]="--seccomp=unconfined (no filter)"
    [default]="default (seccomp filter)"
    [memory]="filter + --memory 256M"
    [timeout]="filter + --timeout 60s"
    [memory+timeout]="filter + --memory 256M --timeout 60s"
    [limits-unconfined]="no filter + --memory 256M --timeout 60s"
)
for n in "${names[@]}"; do
    "$waot" run ${opts[$n]} "$b/hello.wasm" >/dev/null 2>&1 || { echo "variant $n fails" >&2; exit 1; }
done

# every round runs each variant $runs times; the medians of all rounds are pooled from the
# raw times hyperfine exports
for r in $(seq "$rounds"); do
    for n in "${names[@]}"; do
        hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$b/$n-$r.json" \
            "$waot run ${opts[$n]} $b/hello.wasm" >/dev/null 2>&1 || { echo "hyperfine failed" >&2; exit 1; }
    done
done
# pooled over the rounds of variant $1: median and minimum wall ms, mean CPU ms (user +
# system, which a loaded machine disturbs less than wall time)
stats() {
    jq -rs '[.[].results[0].times[]] as $t | ($t | sort) as $s
            | [.[].results[0] | (.user + .system)] as $c
            | "\($s[($s | length / 2 | floor)] * 1000) \($s[0] * 1000) \(($c | add / length) * 1000)"' \
        "$b/$1"-*.json
}
declare -A med min cpu
for n in "${names[@]}"; do
    read -r med[$n] min[$n] cpu[$n] < <(stats "$n")
done
echo
echo "# warm \`waot run hello.wasm\`, $((runs * rounds)) runs per variant ($rounds interleaved" \
     "rounds); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-44s %9s %7s %9s %9s %7s\n" "" "median ms" "ratio" "min ms" "CPU ms" "ratio"
for n in "${names[@]}"; do
    awk -v l="${label[$n]}" -v m="${med[$n]}" -v mb="${med[unconfined]}" -v lo="${min[$n]}" \
        -v c="${cpu[$n]}" -v cb="${cpu[unconfined]}" \
        'BEGIN { printf "%-44s %9.3f %7.3f %9.3f %9.3f %7.3f\n", l, m, m / mb, lo, c, c / cb }'
done
