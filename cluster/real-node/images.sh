#!/usr/bin/env bash
# The real node's images, built on this machine (there is no registry to pull from) as OCI
# archives and imported into the node's containerd (`ctr images import`):
#
#   localhost/django-k8s/pause:local     the sandbox image: pause.c built with gcc -static
#   localhost/django-k8s/busybox:local   Debian's busybox-static, /bin/sh and its applets
#
# Each archive is made by hand (cluster/real-node/oci.sh), so the same inputs give the same image
# ID. They are cached in REAL_NODE_IMAGE_CACHE (default /var/cache/django-k8s/real-node), keyed by a
# hash of the inputs. The PostgreSQL and Redis stand-ins are cluster/real-node/standins.sh's.
#
# Usage: images.sh build              build the archives (if not cached); prints their paths
#        images.sh import <address>   build, then import them into the containerd at <address>
#        images.sh from-podman <address> <image>...
#                                     copy images from podman's store (the app image the
#                                     container test builds) into that containerd: `podman save`
#                                     as an OCI archive, then `ctr images import`
#        images.sh name <image>       the name containerd's CRI looks that image up by
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REAL_NODE_IMAGE_CACHE:-/var/cache/django-k8s/real-node}
PAUSE_IMAGE=localhost/django-k8s/pause:local
BUSYBOX_IMAGE=localhost/django-k8s/busybox:local

say() { printf 'real-node images: %s\n' "$*" >&2; }
die() { printf 'real-node images: ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=cluster/real-node/oci.sh
source "$HERE/oci.sh"

# The name a pod's image is looked up by in containerd's CRI, which normalizes references as
# Docker does: django-k8s-app:abc is docker.io/library/django-k8s-app:abc. podman names the same
# image localhost/django-k8s-app:abc, so an import under podman's name would never be found.
cri_name() { # image reference
  local ref=$1 first=${1%%/*}
  if [[ $ref != */* ]]; then
    echo "docker.io/library/$ref"
  elif [[ $first == *.* || $first == *:* || $first == localhost ]]; then
    echo "$ref"
  else
    echo "docker.io/$ref"
  fi
}

build() {
  command -v gcc >/dev/null || die "gcc is needed for the pause image (apt-get install gcc libc6-dev)"
  if ! { [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked'; }; then
    die "a static /bin/busybox is needed (apt-get install busybox-static)"
  fi
  local key root
  key=$(cat "$HERE/pause.c" "$HERE/images.sh" "$HERE/oci.sh" /bin/busybox | sha256sum | cut -c1-16)
  mkdir -p "$CACHE"
  PAUSE_TAR=$CACHE/pause-$key.tar
  BUSYBOX_TAR=$CACHE/busybox-$key.tar
  if [ ! -f "$PAUSE_TAR" ]; then
    root=$(mktemp -d)
    gcc -static -Os -s -o "$root/pause" "$HERE/pause.c"
    oci_archive "$PAUSE_IMAGE" "$root" "$PAUSE_TAR" '{"Entrypoint":["/pause"],"User":"65535:65535"}'
    rm -rf "$root"
    say "built $PAUSE_IMAGE ($PAUSE_TAR)"
  fi
  if [ ! -f "$BUSYBOX_TAR" ]; then
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    local applet
    for applet in sh sleep echo cat ls ps id hostname wget nc ip ifconfig true false env date httpd; do
      ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    oci_archive "$BUSYBOX_IMAGE" "$root" "$BUSYBOX_TAR" '{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]}'
    rm -rf "$root"
    say "built $BUSYBOX_IMAGE ($BUSYBOX_TAR)"
  fi
}

case ${1:-} in
  build)
    build
    printf '%s\n%s\n' "$PAUSE_TAR" "$BUSYBOX_TAR"
    ;;
  import)
    address=${2:?usage: images.sh import <containerd address>}
    build
    for tarball in "$PAUSE_TAR" "$BUSYBOX_TAR"; do
      ctr --address "$address" -n k8s.io images import "$tarball" >/dev/null \
        || die "ctr images import $tarball failed"
    done
    say "imported $PAUSE_IMAGE, $BUSYBOX_IMAGE"
    ;;
  from-podman)
    address=${2:?usage: images.sh from-podman <containerd address> <image>...}
    shift 2
    [ "$#" -gt 0 ] || die "usage: images.sh from-podman <containerd address> <image>..."
    archive=$(mktemp -d)
    trap 'rm -rf "$archive"' EXIT
    for ref in "$@"; do
      started=$(date +%s)
      podman image exists "$ref" || die "podman has no image $ref"
      podman save --quiet --format oci-archive -o "$archive/image.tar" "$ref" || die "podman save $ref failed"
      # The archive names its image in index.json (podman writes its own full name,
      # localhost/<repository>:<tag>; other versions the tag alone). ctr keeps that name only
      # under a matching --base-name; the CRI's name for it is then added as a tag.
      saved=$(tar -xOf "$archive/image.tar" index.json | jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"] // empty')
      [ -n "$saved" ] || die "podman's archive of $ref names no image (index.json)"
      case $saved in */* | *:*) ;; *) saved="${ref%:*}:$saved" ;; esac
      ctr --address "$address" -n k8s.io images import --base-name "${saved%:*}" "$archive/image.tar" >/dev/null \
        || die "ctr images import of $ref failed"
      name=$(cri_name "$ref")
      if [ "$name" != "$saved" ]; then
        ctr --address "$address" -n k8s.io images tag --force "$saved" "$name" >/dev/null \
          || die "ctr images tag $saved $name failed"
      fi
      rm -f "$archive/image.tar"
      say "imported $ref from podman as $name ($(($(date +%s) - started)) s)"
    done
    ;;
  name) cri_name "${2:?usage: images.sh name <image>}" ;;
  *) die "usage: images.sh build | import <containerd address> | from-podman <containerd address> <image>... | name <image>" ;;
esac
