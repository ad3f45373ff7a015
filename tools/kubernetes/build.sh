#!/usr/bin/env bash
# Builds the Kubernetes binaries of the local control plane (cluster/local-cluster.sh):
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl, and kubelet and kube-proxy
# for a real node later, from the Go module k8s.io/kubernetes as the Go module proxy serves it,
# pinned by go.mod (one "tool" line per command) and go.sum here, complete so a fresh clone needs
# only Go and the proxy; no binary is committed:
#
#   bash ./build.sh <outdir>     (run from this directory; cluster/tools.sh does, and caches it)
#
# Why 1.34: kubelet 1.35 and later refuse to start on a cgroup v1 host by default, and the
# machines here are cgroup v1; 1.34 is the newest minor whose kubelet still runs on them.
#
# Why a wrapper module: k8s.io/kubernetes replaces its staging modules (k8s.io/api, client-go,
# ...) with ./staging paths, which "go install <module>@<version>" refuses; go.mod here replaces
# each with its published v0.34.4, the same release's staging copy.
#
# The flags are upstream's release flags (hack/lib/golang.sh, hack/lib/version.sh): the tags
# selinux,notest,grpcnotrace, -trimpath, "-s -w", CGO off, and the version ldflags on both
# k8s.io/component-base/version and k8s.io/client-go/pkg/version, so "kube-apiserver --version"
# and the API server's /version say v1.34.4 (the Pulumi Kubernetes provider reads /version).
# buildDate is the tag's time as the module proxy records it, so two builds are alike. The
# module zip carries no git metadata, so gitCommit names the module version instead of a SHA.
set -euo pipefail

out=${1:?usage: build.sh <outdir>}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

module=k8s.io/kubernetes
version=$(sed -n 1p VERSION)  # v1.34.4
pinned=$(go list -mod=readonly -m -f '{{.Version}}' "$module")
[ "$pinned" = "$version" ] || { echo "go.mod pins $module $pinned, VERSION says $version" >&2; exit 1; }
major=${version#v}
major=${major%%.*}
minor=${version#v*.}
minor=${minor%%.*}
build_date=$(go list -mod=readonly -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$module")

ldflags=(-s -w)
version_var() { # key value
  ldflags+=("-X 'k8s.io/component-base/version.$1=$2'" "-X 'k8s.io/client-go/pkg/version.$1=$2'")
}
version_var gitVersion "$version"
version_var gitMajor "$major"
version_var gitMinor "$minor"
version_var gitCommit "module-$version"
version_var gitTreeState clean
version_var buildDate "$build_date"

commands=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
packages=()
for c in "${commands[@]}"; do packages+=("$module/cmd/$c"); done
printf 'building %s from %s %s (buildDate %s)\n' "${commands[*]}" "$module" "$pinned" "$build_date"

export CGO_ENABLED=0
# One go build for all six: the packages they share compile once.
go build -mod=readonly -trimpath -tags selinux,notest,grpcnotrace \
  -ldflags "${ldflags[*]}" -o "$out/" "${packages[@]}"
for c in "${commands[@]}"; do
  if [ "$c" = kubectl ]; then "$out/$c" version --client; else "$out/$c" --version; fi
done
