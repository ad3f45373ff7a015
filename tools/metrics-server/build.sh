#!/usr/bin/env bash
# Builds metrics-server, which serves the resource metrics API (metrics.k8s.io) from the kubelets'
# /metrics/resource, for the HorizontalPodAutoscaler on the local cluster's real node
# (docs/local-cluster.md). From the Go module sigs.k8s.io/metrics-server as the Go module proxy
# serves it, pinned by go.mod (a "tool" line for its cmd/metrics-server) and go.sum here, complete
# so a fresh clone needs only Go and the proxy; no binary is committed:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why a wrapper module: "go install sigs.k8s.io/metrics-server/cmd/metrics-server@<version>"
# takes no go.sum of ours. The version ldflag is upstream's (its Makefile sets
# k8s.io/client-go/pkg/version.gitVersion); CGO_ENABLED=0 as its release builds, plus -trimpath.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

module=sigs.k8s.io/metrics-server
version=$(sed -n 1p VERSION)  # v0.8.1
pinned=$(go list -mod=readonly -m -f '{{.Version}}' "$module")
[ "$pinned" = "$version" ] || { echo "go.mod pins $module $pinned, VERSION says $version" >&2; exit 1; }
printf 'building metrics-server from %s %s\n' "$module" "$pinned"

export CGO_ENABLED=0
go build -mod=readonly -trimpath -ldflags "-X k8s.io/client-go/pkg/version.gitVersion=$version" \
  -o "$out/metrics-server" "$module/cmd/metrics-server"
"$out/metrics-server" --version
