#!/bin/sh
# Re-creates the vendored .proto files of shim/proto/ from the Debian 12 Go source packages
# (golang-github-containerd-containerd-dev 1.6.20, golang-github-gogo-googleapis-dev,
# golang-github-containerd-cgroups-dev), installed under /usr/share/gocode. Only a developer
# runs this; the build uses the committed copies and needs none of these packages.
#
# Why the files are edited: they carry gogoproto (Go code generator) options and weak imports
# of gogo.proto / containerd's fieldpath plugin, which stock protoc-c cannot resolve. Those
# options only change the generated Go code, never the wire format, so dropping them keeps
# every message, field name and field number intact. Edits, line by line:
#   - drop `import` lines naming gogoproto/gogo.proto or protobuf/plugin/fieldpath.proto;
#   - drop `option (gogoproto.X) = ...;` and `option (containerd.plugin.X) = ...;` lines;
#   - drop `option go_package`, `java_*`, `objc_*`, `cc_enable_arenas` lines (irrelevant to C);
#   - remove field/enum-value option lists whose options are all gogoproto ones, e.g.
#     `[(gogoproto.nullable) = false, (gogoproto.stdtime) = true]`.
# The script then checks that no gogoproto/containerd.plugin mention is left and that
# protoc-c accepts every file.
#
# usage: shim/proto/vendor.sh [GOCODE_SRC]   (default /usr/share/gocode/src)
set -eu

src=${1:-/usr/share/gocode/src}
here=$(cd "$(dirname "$0")" && pwd)
ctd=github.com/containerd/containerd

# "source path under $src" "destination under shim/proto"
files="
$ctd/runtime/v2/task/shim.proto $ctd/runtime/v2/task/shim.proto
$ctd/api/types/mount.proto $ctd/api/types/mount.proto
$ctd/api/types/task/task.proto $ctd/api/types/task/task.proto
$ctd/api/events/task.proto $ctd/api/events/task.proto
$ctd/api/services/ttrpc/events/v1/events.proto $ctd/api/services/ttrpc/events/v1/events.proto
github.com/gogo/googleapis/google/rpc/status.proto google/rpc/status.proto
github.com/containerd/cgroups/stats/v1/metrics.proto github.com/containerd/cgroups/stats/v1/metrics.proto
github.com/containerd/cgroups/v2/stats/metrics.proto github.com/containerd/cgroups/v2/stats/metrics.proto
"

strip_options() {
    sed -E \
        -e '/^[[:space:]]*import[[:space:]]+(weak[[:space:]]+)?"(gogoproto\/gogo|github\.com\/containerd\/containerd\/protobuf\/plugin\/fieldpath)\.proto";/d' \
        -e '/^[[:space:]]*option[[:space:]]*\((gogoproto|containerd\.plugin)\.[A-Za-z_]+\)[^;]*;[[:space:]]*$/d' \
        -e '/^[[:space:]]*option[[:space:]]+(go_package|java_[a-z_]+|objc_class_prefix|cc_enable_arenas)[[:space:]]*=.*;[[:space:]]*$/d' \
        -e 's/[[:space:]]*\[[[:space:]]*\((gogoproto|containerd\.plugin)\.[^]]*\]//'
}

echo "$files" | while read -r from to; do
    [ -n "$from" ] || continue
    [ -r "$src/$from" ] || { echo "vendor.sh: missing $src/$from (install the Debian package)" >&2; exit 1; }
    mkdir -p "$here/$(dirname "$to")"
    strip_options < "$src/$from" > "$here/$to"
    if grep -nE 'gogoproto|containerd\.plugin' "$here/$to" >&2; then
        echo "vendor.sh: $to still names a gogoproto/plugin option (see above)" >&2
        exit 1
    fi
    echo "vendored $to"
done

# Prove that protoc-c accepts the result (the well-known types come from libprotobuf-dev).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && find . -name '*.proto' | sed 's|^\./||' | sort |
    xargs protoc-c -I. -I/usr/include --c_out="$tmp")
echo "vendor.sh: protoc-c accepts every file"
