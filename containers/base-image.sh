#!/usr/bin/env bash
# Makes the Dockerfile's base image (its PYTHON_IMAGE default, the official python:*-slim-bookworm)
# available to podman: pulled when the registry answers, otherwise a stand-in built from
# Debian bookworm's own packages with debootstrap and tagged with the official name.
#
# The stand-in is laid out like the official image where the Dockerfile relies on it:
# /usr/local/bin/python, python3 and pip point at Debian's python3.11 (same minor version),
# `python -m venv` works (ensurepip), CA certificates, LANG=C.UTF-8, groupadd/useradd.
# It is not the same build of Python (Debian's 3.11 patch release, not python.org's), which
# is why it is announced loudly and labelled org.django-k8s.stand-in=true.
#
# The root filesystem is cached as a tarball (STANDIN_CACHE, outside the clone) keyed by
# everything that shapes it, so only the first run on a machine pays for debootstrap.
#
# Usage: base-image.sh <image-reference>      prints "official" or "stand-in" as its last line
set -euo pipefail

ref=${1:?usage: base-image.sh <image-reference>}
cache_dir=${STANDIN_CACHE:-/var/cache/django-k8s}
suite=bookworm
packages=python3,python3-venv,python3-pip,ca-certificates
# Bump when the layout below changes, so a stale cached root filesystem is not reused.
layout_version=1

# The debootstrap tree being built, removed on any exit (also a failed or interrupted build).
rootfs=""
trap 'if [ -n "$rootfs" ]; then rm -rf "$rootfs" "$rootfs.log" "${tarball:-}.partial"; fi' EXIT

log() { printf 'base-image: %s\n' "$*" >&2; }
fail() { printf 'base-image: ERROR: %s\n' "$*" >&2; exit 1; }

loud_standin() {
  cat >&2 <<EOF
################################################################################
# STAND-IN BASE IMAGE: $ref could not be pulled.
# Using a stand-in built from Debian $suite's packages (debootstrap): Debian's
# python3.11, not the official image's build. Same layout, same minor version.
################################################################################
EOF
}

is_standin() { [ "$(podman image inspect --format '{{index .Labels "org.django-k8s.stand-in"}}' "$1" 2>/dev/null)" = true ]; }

# The Debian mirror this machine's apt already uses (containers/debian-mirror.sh).
# shellcheck source=containers/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/debian-mirror.sh"

build_rootfs_tarball() { # tarball
  local tarball=$1 mirror
  command -v debootstrap >/dev/null || fail "debootstrap is missing: apt-get install debootstrap (as root)"
  [ "$(id -u)" = 0 ] || fail "building the stand-in base needs root (debootstrap chroots); run as root or make $ref pullable"
  mirror=$(debian_mirror "$suite") || fail "no 'deb' source for Debian $suite in /etc/apt/sources.list{,.d}; cannot pick a mirror for debootstrap"
  rootfs=$(mktemp -d /var/tmp/django-k8s-standin.XXXXXX)
  log "debootstrap $suite from $mirror (the mirror in this machine's apt sources) into $rootfs"
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
    || { tail -n 30 "$rootfs.log" >&2; fail "debootstrap of $suite from $mirror failed (log above)"; }
  rm -f "$rootfs.log"
  # Security and point-release updates, from the same sources this machine uses.
  rm -f "$rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  [ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$rootfs/etc/apt/sources.list"
  chroot "$rootfs" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get upgrade -y -qq -o Dpkg::Use-Pty=0' >"$rootfs.log" 2>&1 \
    || { tail -n 10 "$rootfs.log" >&2; log "could not apply $suite updates in the stand-in (continuing with the release)"; }
  rm -f "$rootfs.log"
  # The official image's layout: python, python3 and pip in /usr/local/bin.
  ln -sf /usr/bin/python3.11 "$rootfs/usr/local/bin/python"
  ln -sf /usr/bin/python3.11 "$rootfs/usr/local/bin/python3"
  ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
  ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip3"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log
  mkdir -p "$(dirname "$tarball")"
  tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
}

if podman image exists "$ref"; then
  if is_standin "$ref"; then loud_standin; log "reusing the stand-in already in podman's store"; echo stand-in
  else log "$ref is in podman's store"; echo official; fi
  exit 0
fi
if podman pull --quiet "$ref" >/dev/null 2>"${TMPDIR:-/tmp}/base-pull.$$"; then
  rm -f "${TMPDIR:-/tmp}/base-pull.$$"; log "pulled $ref"; echo official; exit 0
fi
log "cannot pull $ref: $(tail -n 1 "${TMPDIR:-/tmp}/base-pull.$$")"
rm -f "${TMPDIR:-/tmp}/base-pull.$$"
loud_standin

key=$(printf '%s\n' "$suite" "$packages" "$layout_version" "$(debian_mirror "$suite" || true)" | sha256sum | cut -c1-16)
tarball="$cache_dir/python-standin-$suite-$key.tar"
if [ -f "$tarball" ]; then
  log "stand-in root filesystem from the cache: $tarball"
else
  started=$(date +%s)
  build_rootfs_tarball "$tarball"
  log "stand-in root filesystem built in $(($(date +%s) - started)) s, cached at $tarball"
fi
podman import --quiet \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'LABEL org.django-k8s.stand-in=true' \
  --change 'CMD ["python3"]' \
  "$tarball" "$ref" >/dev/null
log "stand-in tagged as $ref ($(podman run --rm --network none "$ref" python --version 2>&1))"
echo stand-in
