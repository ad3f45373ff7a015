#!/usr/bin/env bash
# Builds kwok, the controller that plays the local control plane's one node
# (cluster/local-cluster.sh): it keeps a fake Node Ready and moves pods through the stages in
# cluster/kwok-stages.yaml, so pods run, Jobs complete and deleted pods go away with no container
# runtime. From the Go module sigs.k8s.io/kwok as the Go module proxy serves it, pinned by go.mod
# (a "tool" line for sigs.k8s.io/kwok/cmd/kwok) and go.sum here, complete so a fresh clone needs
# only Go and the proxy; no binary is committed:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why a wrapper module: "go install sigs.k8s.io/kwok/cmd/kwok@<version>" takes no go.sum of ours.
# The module's own version constant (pkg/consts.Version) already names this release, so no
# version ldflag is needed; CGO_ENABLED=0 as upstream's release builds, plus -trimpath.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

module=sigs.k8s.io/kwok
version=$(sed -n 1p VERSION)  # v0.8.0
pinned=$(go list -mod=readonly -m -f '{{.Version}}' "$module")
[ "$pinned" = "$version" ] || { echo "go.mod pins $module $pinned, VERSION says $version" >&2; exit 1; }
printf 'building kwok from %s %s\n' "$module" "$pinned"

export CGO_ENABLED=0
go build -mod=readonly -trimpath -o "$out/kwok" "$module/cmd/kwok"
"$out/kwok" --version
