#!/usr/bin/env bash
# Builds the Pulumi Kubernetes resource provider, pulumi-resource-kubernetes, from the Go module
# github.com/pulumi/pulumi-kubernetes/provider/v4 as the Go module proxy serves it, pinned by
# go.mod and go.sum here:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Version skew. The Node SDK in package-lock.json (@pulumi/kubernetes) is 4.34.2 and asks the
# engine for the provider plugin 4.34.2, but the proxy does not serve the provider module at
# v4.34.2 (upstream's release tags are "v4.x.y", not "provider/v4.x.y", so they name no version
# of the provider/ module: "go list -m -versions" lists none, and "@v4.34.2", or the commit of a
# later tag, is refused). What it serves, as @latest, is the pseudo-version
# v4.0.0-20260115033456-f47bc2d6f199, which is the commit of upstream's v4.25.0 tag. This
# builds that, line 1 of VERSION (v4.25.0); the engine test installs the binary under line 2
# (4.34.2), the version the SDK asks for, and prints the skew. The binary reports its true
# version, 4.25.0: it is stamped through the provider's version ldflag and into the schema.
#
# Why this way rather than "go install <module>/cmd/pulumi-resource-kubernetes@<version>":
#  - that package embeds schema-embed.json and terraform-mapping-embed.json, which upstream
#    generates before building (the go:generate program cmd/pulumi-resource-kubernetes/
#    generate.go: schema.json with the version set, both files compacted) and which the module
#    does not hold. So this runs upstream's generator in a temporary copy of this module,
#    against the schema sources in the module, and builds main.go (upstream's main.go,
#    repeated) next to the generated files;
#  - upstream's provider/go.mod replaces the SDK module with ../sdk, which "go install @version"
#    refuses; go.mod here repeats it as the SDK's sdk/v4.25.0 tag (the release commit right
#    after, whose Go SDK differs from ../sdk only in the version stamped into two files).
# The flags are upstream's (Makefile: CGO_ENABLED=0, the version ldflag set to the generic
# version, VERSION=<generic version> for the generator), plus -trimpath, and -s -w, which leave
# out the symbol table and DWARF (245 MB without them; panics still print their stack traces).
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

module=github.com/pulumi/pulumi-kubernetes/provider/v4
tag=$(sed -n 1p "$here/VERSION")  # v4.25.0
version=${tag#v}                   # 4.25.0, the form upstream stamps

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/go.mod" "$here/go.sum" "$here/main.go" "$work/"
cd "$work"

export CGO_ENABLED=0
go mod download "$module"
src=$(go list -m -f '{{.Dir}}' "$module")
printf 'building %s %s (%s) from %s\n' "$module" "$(go list -m -f '{{.Version}}' "$module")" "$tag" "$src"

# Upstream's generator and the schema sources it reads from its working directory.
cp "$src/cmd/pulumi-resource-kubernetes/generate.go" \
  "$src/cmd/pulumi-resource-kubernetes/schema.json" \
  "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" .
chmod u+w ./*
VERSION=$version go run generate.go
ls -l schema-embed.json terraform-mapping-embed.json

go build -trimpath \
  -ldflags "-s -w -X $module/pkg/version.Version=$version" \
  -o "$out/pulumi-resource-kubernetes" .
ls -l "$out/pulumi-resource-kubernetes"
