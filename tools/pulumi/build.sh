#!/usr/bin/env bash
# Builds the Pulumi CLI, pulumi, at line 1 of VERSION (v3.248.0, the version of @pulumi/pulumi
# in package-lock.json), from the Go module github.com/pulumi/pulumi/pkg/v3 as the Go module
# proxy serves it, pinned by go.mod and go.sum here:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why this way rather than "go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v3.248.0":
# upstream's pkg/go.mod has replace directives (the SDK module => ../sdk, and a fork of
# github.com/atotto/clipboard), which "go install <pkg>@<version>" refuses. go.mod here is a
# wrapper module that requires pkg/v3 and sdk/v3 at v3.248.0 (the tag standing in for ../sdk),
# repeats the clipboard replace, and names upstream's main package as a tool, so this builds
# that package itself, unchanged, with the version stamped through upstream's ldflag.
# The other flags: -trimpath and the osusergo tag as upstream's release build (.goreleaser.yml)
# has them; CGO_ENABLED=0 for a static binary; grpcnotrace drops grpc's golang.org/x/net/trace.
# The Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs) is not built: the proxy
# serves its module at no version; the project uses the Automation API's inline-program server.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

version=$(sed -n 1p VERSION) # v3.248.0
pkg=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

export CGO_ENABLED=0
# -mod=readonly: go.mod and go.sum are complete; the build fails rather than edits them.
go build -mod=readonly -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$out/pulumi" "$pkg"
"$out/pulumi" version
ls -l "$out/pulumi"
