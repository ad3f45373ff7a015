#!/usr/bin/env bash
# Builds helm, which renders the vendored KEDA chart (vendor/charts/) into the scanned manifests
# (scripts/renderCharts.ts, run by scripts/scan.sh). Debian bookworm packages no helm. From the Go
# module helm.sh/helm/v3 as the Go module proxy serves it, pinned by go.mod (a "tool" line for
# helm.sh/helm/v3/cmd/helm) and go.sum here, complete so a fresh clone needs only Go and the
# proxy; no binary is committed:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why a wrapper module: "go install helm.sh/helm/v3/cmd/helm@<version>" takes no go.sum of ours.
# The version ldflag is upstream's (Makefile: internal/version.version; without it the binary
# says only "v3.22"); CGO_ENABLED=0 as upstream's release builds, plus -trimpath.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

module=helm.sh/helm/v3
version=$(sed -n 1p VERSION)  # v3.22.1
pinned=$(go list -mod=readonly -m -f '{{.Version}}' "$module")
[ "$pinned" = "$version" ] || { echo "go.mod pins $module $pinned, VERSION says $version" >&2; exit 1; }
printf 'building helm from %s %s\n' "$module" "$pinned"

export CGO_ENABLED=0
go build -mod=readonly -trimpath \
  -ldflags "-X $module/internal/version.version=$version -X $module/internal/version.gitTreeState=clean" \
  -o "$out/helm" "$module/cmd/helm"
"$out/helm" version --short
