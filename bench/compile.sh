#!/usr/bin/env bash
# Compile benchmark: prints, per module, the wasm size, compile wall time, peak RSS and the
# artifact size, for (1) every module of the spec suite (aggregated) and (2) large real
# modules fetched from the npm registry (ruby.wasm from @ruby/3.3-wasm-wasi, esbuild.wasm
# from esbuild-wasm), kept in bench/.cache. Figures, not assertions: report medians/ratios.
#
#   bench/compile.sh [--opt-level N] [--threads N] [--skip-spec] [--skip-large]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
waot=${WAOT:-$top/build/waot}
spec=${SPEC_DIR:-$top/../shared/testsuite/spec}
cache=$here/.cache
opt=2
threads=0
skip_spec=0
skip_large=0
while [ $# -gt 0 ]; do
  case $1 in
    --opt-level) opt=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --skip-spec) skip_spec=1; shift ;;
    --skip-large) skip_large=1; shift ;;
    *) echo "usage: $0 [--opt-level N] [--threads N] [--skip-spec] [--skip-large]" >&2; exit 2 ;;
  esac
done
[ -x "$waot" ] || { echo "build waot first (make)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export WAOT_THREADS=$threads

# compile_one WASM -> prints "wasm_bytes seconds rss_kib artifact_bytes" or "fail"
compile_one() {
  local in=$1 out=$work/out.waot
  rm -f "$out"
  if /usr/bin/time -f '%e %M' -o "$work/time" "$waot" compile --opt-level "$opt" "$in" -o "$out" \
       >/dev/null 2>"$work/err"; then
    read -r secs rss < "$work/time"
    echo "$(stat -c %s "$in") $secs $rss $(stat -c %s "$out")"
  else
    echo "fail $(head -c 200 "$work/err" | tr '\n' ' ')"
  fi
}

printf '%-28s %10s %9s %9s %10s %8s\n' module wasm_KiB seconds rss_MiB artifact_KiB KiB/s

if [ $skip_spec = 0 ]; then
  mkdir -p "$work/spec"
  n=0; fails=0; wsum=0; asum=0; tsum=0
  for f in "$spec"/*.wast; do
    name=$(basename "$f" .wast)
    wast2json "$f" -o "$work/spec/$name.json" >/dev/null 2>&1 || continue
  done
  # Only the modules the suite expects to be valid: wast2json writes one command per line,
  # and plain {"type": "module", ...} commands name them.
  for j in "$work"/spec/*.json; do
    grep -o '"type": "module", "line": [0-9]*, \("name": "[^"]*", \)\?"filename": "[^"]*"' "$j" |
      sed 's/.*"filename": "\([^"]*\)"/\1/' || true   # some scripts define no module
  done > "$work/valid.txt"
  while read -r f; do
    r=$(compile_one "$work/spec/$f")
    case $r in
      fail*) fails=$((fails+1)); echo "  compile failed: $f: ${r#fail }" >&2 ;;
      *) set -- $r; n=$((n+1)); wsum=$((wsum+$1)); asum=$((asum+$4)); tsum=$(echo "$tsum + $2" | bc) ;;
    esac
  done < "$work/valid.txt"
  printf '%-28s %10.1f %9.2f %9s %10.1f %8.1f\n' "spec suite ($n modules)" \
    "$(echo "$wsum/1024" | bc -l)" "$tsum" - "$(echo "$asum/1024" | bc -l)" \
    "$(echo "if ($tsum > 0) $wsum/1024/$tsum else 0" | bc -l)"
  echo "  (spec: $n valid modules compiled one process each, $fails failed)"
fi

fetch_npm() { # package file-inside-package
  local pkg=$1 path=$2
  local dir=$cache/${pkg//\//_}
  if [ ! -f "$dir/$path" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg" >/dev/null 2>&1 && tar xzf ./*.tgz && rm -f ./*.tgz) || return 1
  fi
  echo "$dir/$path"
}

if [ $skip_large = 0 ]; then
  for spec_entry in "esbuild-wasm@0.28.2 package/esbuild.wasm" "@ruby/3.3-wasm-wasi@2.10.1 package/dist/ruby.wasm"; do
    set -- $spec_entry
    if ! file=$(fetch_npm "$1" "$2"); then echo "$1: could not fetch (npm registry unreachable?)"; continue; fi
    r=$(compile_one "$file")
    case $r in
      fail*) printf '%-28s %s\n' "$(basename "$file")" "$r" ;;
      *) set -- $r
         printf '%-28s %10.1f %9.2f %9.1f %10.1f %8.1f\n' "$(basename "$file")" \
           "$(echo "$1/1024" | bc -l)" "$2" "$(echo "$3/1024" | bc -l)" "$(echo "$4/1024" | bc -l)" \
           "$(echo "$1/1024/$2" | bc -l)" ;;
    esac
  done
fi
