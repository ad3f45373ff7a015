#!/usr/bin/env bash
# Builds etcd, the local control plane's store (cluster/local-cluster.sh), from the Go module
# go.etcd.io/etcd/server/v3 as the Go module proxy serves it, pinned by go.mod and go.sum here
# (complete, so a fresh clone needs only Go and the proxy; no binary is committed):
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why a wrapper module: the binary's package is the server module's root (its main.go, repeated in
# main.go here), and "go install <module>@<version>" takes no go.sum of ours. The flags are
# upstream's (scripts/build-binary.sh: CGO_ENABLED=0, the Git SHA ldflag, here the module's tag
# since there is no checkout), plus -trimpath so the binary holds no path of this machine.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

module=go.etcd.io/etcd/server/v3
version=$(sed -n 1p VERSION)  # v3.6.16
pinned=$(go list -mod=readonly -m -f '{{.Version}}' "$module")
[ "$pinned" = "$version" ] || { echo "go.mod pins $module $pinned, VERSION says $version" >&2; exit 1; }
printf 'building etcd from %s %s\n' "$module" "$pinned"

export CGO_ENABLED=0
go build -mod=readonly -trimpath \
  -ldflags "-X go.etcd.io/etcd/api/v3/version.GitSHA=module-$version" \
  -o "$out/etcd" .
"$out/etcd" --version
