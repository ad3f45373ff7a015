#!/usr/bin/env bash
# Builds a Pulumi random resource provider, pulumi-resource-random, for the engine to install as
# the plugin random 4.21.2 (line 2 of VERSION: the @pulumi/random version in package-lock.json):
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# What is built. Pulumi's own provider (github.com/pulumi/pulumi-random/provider/v4) is not
# served by the Go module proxy. That provider is HashiCorp's Terraform random provider behind
# pulumi-terraform-bridge, and this builds the same thing from modules the proxy does serve:
#  - github.com/terraform-providers/terraform-provider-random (the module path of
#    github.com/hashicorp/terraform-provider-random) at the commit of its v3.9.0 tag, the
#    pseudo-version v1.3.2-0.20260513075824-f8d869dc98d9 (the tag is not a version of the
#    module: v3 without a /v3 path), line 1 of VERSION. It is a terraform-plugin-framework
#    provider, so the bridge's pkg/pf packages serve it;
#  - github.com/pulumi/pulumi-terraform-bridge/v3 v3.120.0, with Pulumi's fork of
#    terraform-plugin-sdk/v2 swapped in by a replace directive, as the bridge's own go.mod does
#    (go.mod says why its commit is a later one than the bridge pins).
# provider.go maps the Terraform resources to the tokens @pulumi/random 4.21.2 uses
# (random:index/randomPassword:RandomPassword, ...). Sensitive Terraform attributes, such as
# random_password's result, are secret outputs, as with the real provider. The provider reports
# the version 4.21.2+tf-random.3.9.0.bridge.3.120.0: the plugin version, then what it really is.
#
# How. The Terraform provider lives in internal/provider, which Go lets only packages under
# github.com/terraform-providers/terraform-provider-random/ import, so this module is
# .../terraform-provider-random/pulumibridge. The provider binary embeds the package schema and
# the bridge's metadata, which the bridge's generator (tfgen, cmd/pulumi-tfgen-random) writes
# from the provider and its docs; neither is committed. So, in a temporary copy of this module:
# test the mapping, build and run tfgen (schema.json and bridge-metadata.json next to the
# provider's main.go), then build the provider. tfgen runs with --skip-examples: converting the
# docs' HCL examples to each language needs the Pulumi CLI and its terraform converter plugin,
# and only the docs in the schema would gain from it. CGO_ENABLED=0 and -trimpath, as upstream builds;
# -s -w leave out the symbol table and DWARF (panics still print their stack traces).
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

tfmodule=github.com/terraform-providers/terraform-provider-random
bridge=github.com/pulumi/pulumi-terraform-bridge/v3
tag=$(sed -n 1p "$here/VERSION")    # terraform-provider-random-v3.9.0
plugin=$(sed -n 2p "$here/VERSION") # 4.21.2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/go.mod" "$here/go.sum" "$here/provider.go" "$here/provider_test.go" "$here/cmd" "$work/"
cd "$work"

export CGO_ENABLED=0
go mod download "$tfmodule" "$bridge"
src=$(go list -m -f '{{.Dir}}' "$tfmodule")
# The module's own record of its release, to catch a go.mod pin that is not VERSION's tag.
tfversion=$(tr -d '[:space:]' <"$src/version/VERSION")
if [ "terraform-provider-random-v$tfversion" != "$tag" ]; then
  printf 'go.mod pins %s %s, which is %s, not %s (VERSION)\n' "$tfmodule" \
    "$(go list -m -f '{{.Version}}' "$tfmodule")" "$tfversion" "$tag" >&2
  exit 1
fi
bridgeversion=$(go list -m -f '{{.Version}}' "$bridge")
version="$plugin+tf-random.$tfversion.bridge.${bridgeversion#v}"
printf 'building pulumi-resource-random %s from %s %s (%s) and %s %s\n' "$version" \
  "$tfmodule" "$(go list -m -f '{{.Version}}' "$tfmodule")" "$tag" "$bridge" "$bridgeversion"

ldflags="-s -w -X $tfmodule/pulumibridge.Version=$version"
go test -trimpath .
go build -trimpath -ldflags "$ldflags" -o "$work/pulumi-tfgen-random" ./cmd/pulumi-tfgen-random
RANDOM_UPSTREAM_DIR=$src "$work/pulumi-tfgen-random" schema --skip-examples --out cmd/pulumi-resource-random
ls -l cmd/pulumi-resource-random/schema.json cmd/pulumi-resource-random/bridge-metadata.json
go build -trimpath -ldflags "$ldflags" -o "$out/pulumi-resource-random" ./cmd/pulumi-resource-random
ls -l "$out/pulumi-resource-random"
