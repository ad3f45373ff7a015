#!/usr/bin/env bash
# Stand-ins for the images the minikube stack runs beside the app, built on this machine from
# Debian bookworm's packages (there is no registry to pull postgres:17-alpine or redis:7-alpine
# from), as OCI archives for the real node's containerd (cluster/real-node/oci.sh):
#
#   localhost/django-k8s/postgres:17-standin   Debian's PostgreSQL 15
#   localhost/django-k8s/redis:7-standin       Debian's Redis 7.0
#
# The contract the stack relies on (components/k8s/InClusterPostgres.ts, InClusterRedis.ts):
#   - PostgreSQL: user postgres is 70:70 and Redis's redis is 999:1000, the alpine images' IDs the
#     pods run as; postgres, initdb, pg_ctl, psql and pg_isready on PATH; the official entrypoint's
#     POSTGRES_{PASSWORD,USER,DB}[_FILE] and PGDATA (standin/postgres-entrypoint.sh); listening on
#     every address (the official image's postgresql.conf.sample); SIGINT to stop (fast shutdown).
#   - Redis: redis-server and redis-cli (REDISCLI_AUTH) on PATH; /data its working directory.
# Both print a banner on start saying a stand-in runs (standin/*.sh), and are labelled
# org.django-k8s.stand-in=true. PostgreSQL 15, not 17: what Debian bookworm ships; the app's
# migrations and the stack's settings need nothing newer.
#
# One debootstrap tree holds both servers (one download and unpack instead of two); the two images
# share its one layer, and containerd stores it once. The archives are cached in
# REAL_NODE_IMAGE_CACHE (default /var/cache/django-k8s/real-node), keyed by everything that shapes
# them, so only a machine's first run pays for debootstrap (about 3 minutes).
#
# Usage: standins.sh build              build the archives (if not cached); prints their paths
#        standins.sh import <address>   build, then import them into the containerd at <address>
#        standins.sh images             print the two image references
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${REAL_NODE_IMAGE_CACHE:-/var/cache/django-k8s/real-node}
POSTGRES_IMAGE=localhost/django-k8s/postgres:17-standin
REDIS_IMAGE=localhost/django-k8s/redis:7-standin
SUITE=bookworm
PG_MAJOR=15
PACKAGES=("postgresql-$PG_MAJOR" redis-server)
# The alpine images' IDs (the stack's POSTGRES_UID, REDIS_UID and REDIS_GID).
POSTGRES_IDS=70:70
REDIS_IDS=999:1000

say() { printf 'real-node stand-ins: %s\n' "$*" >&2; }
die() { printf 'real-node stand-ins: ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=cluster/real-node/oci.sh
source "$HERE/oci.sh"
# shellcheck source=containers/debian-mirror.sh
source "$HERE/../../containers/debian-mirror.sh"

ROOTFS=""
trap 'if [ -n "$ROOTFS" ]; then rm -rf "$ROOTFS"; fi' EXIT

in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# A user and its group renumbered to the given IDs, with every file that was theirs.
renumber() { # user uid:gid
  local user=$1 uid=${2%:*} gid=${2#*:} old_uid old_gid group
  old_uid=$(in_root id -u "$user")
  old_gid=$(in_root id -g "$user")
  group=$(in_root id -gn "$user")
  # IDs taken by someone else would give their files to the server's user.
  ! in_root getent passwd "$uid" >/dev/null || [ "$old_uid" = "$uid" ] || die "uid $uid is taken in the stand-in ($(in_root getent passwd "$uid"))"
  ! in_root getent group "$gid" >/dev/null || [ "$old_gid" = "$gid" ] || die "gid $gid is taken in the stand-in ($(in_root getent group "$gid"))"
  in_root groupmod -g "$gid" "$group"
  in_root usermod -u "$uid" -g "$gid" "$user"
  find "$ROOTFS" -xdev -uid "$old_uid" -exec chown -h "$uid" {} +
  find "$ROOTFS" -xdev -gid "$old_gid" -exec chgrp -h "$gid" {} +
}

build_rootfs() {
  local mirror
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
  [ "$(id -u)" = 0 ] || die "building the stand-ins needs root (debootstrap chroots)"
  mirror=$(debian_mirror "$SUITE") || die "no 'deb' source for Debian $SUITE in /etc/apt/sources.list{,.d}; cannot pick a mirror for debootstrap"
  ROOTFS=$(mktemp -d /var/tmp/django-k8s-real-node-standins.XXXXXX)
  say "debootstrap $SUITE from $mirror into $ROOTFS"
  debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$mirror" >"$ROOTFS.log" 2>&1 \
    || { tail -n 30 "$ROOTFS.log" >&2; die "debootstrap of $SUITE from $mirror failed (log above)"; }
  # The machine's own apt sources (security updates too); no service started in the chroot; no
  # cluster made by the package (the entrypoint makes one in PGDATA).
  rm -f "$ROOTFS/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list "$ROOTFS/etc/apt/sources.list.d/" 2>/dev/null || true
  [ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$ROOTFS/etc/apt/sources.list"
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
  chmod +x "$ROOTFS/usr/sbin/policy-rc.d"
  mkdir -p "$ROOTFS/etc/postgresql-common/createcluster.d"
  printf 'create_main_cluster = false\n' >"$ROOTFS/etc/postgresql-common/createcluster.d/django-k8s.conf"
  say "apt-get install ${PACKAGES[*]}"
  in_root sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 ${PACKAGES[*]}" >"$ROOTFS.log" 2>&1 \
    || { tail -n 30 "$ROOTFS.log" >&2; die "apt-get install ${PACKAGES[*]} in the stand-in failed (log above)"; }
  rm -f "$ROOTFS.log" "$ROOTFS/usr/sbin/policy-rc.d"
  renumber postgres "$POSTGRES_IDS"
  renumber redis "$REDIS_IDS"
  layout
  # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
  say "installed: $(in_root dpkg-query -W -f '${Package} ${Version}, ' "${PACKAGES[@]}" redis-tools)"
}

# The official images' layout where the stack relies on it.
layout() {
  # listen_addresses '*' in the sample initdb copies, as the official image does.
  sed -i "s/^#listen_addresses = 'localhost'/listen_addresses = '*'/" "$ROOTFS/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"
  grep -q "^listen_addresses = '\*'" "$ROOTFS/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample" \
    || die "postgresql.conf.sample has no '#listen_addresses = 'localhost'' line to change"
  install -m 0755 "$HERE/standin/postgres-entrypoint.sh" "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
  install -m 0755 "$HERE/standin/redis-server.sh" "$ROOTFS/usr/local/bin/redis-server"
  install -d -m 0777 -o "${POSTGRES_IDS%:*}" -g "${POSTGRES_IDS#*:}" "$ROOTFS/var/lib/postgresql/data"
  install -d -m 3777 -o "${POSTGRES_IDS%:*}" -g "${POSTGRES_IDS#*:}" "$ROOTFS/var/run/postgresql"
  install -d -m 0755 -o "${REDIS_IDS%:*}" -g "${REDIS_IDS#*:}" "$ROOTFS/data"
  # What a container never needs: package lists and caches, docs, the runtime's mount points'
  # contents (runc mounts /dev, /proc, /sys), logs.
  local root=${ROOTFS:?}
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*.log \
    "$root"/var/log/apt/* "${root:?}"/dev/* "${root:?}"/proc/* "${root:?}"/sys/* "${root:?}"/tmp/* "${root:?}"/run/*
  chmod 1777 "$ROOTFS/tmp"
}

PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/postgresql/$PG_MAJOR/bin:/usr/sbin:/usr/bin:/sbin:/bin"
postgres_config() {
  printf '{"Entrypoint":["docker-entrypoint.sh"],"Cmd":["postgres"],"Env":["%s","LANG=C.UTF-8","PGDATA=/var/lib/postgresql/data"],"StopSignal":"SIGINT","ExposedPorts":{"5432/tcp":{}},"Labels":{"org.django-k8s.stand-in":"true","org.django-k8s.stand-in-for":"postgres:17-alpine"}}' "$PATH_ENV"
}
redis_config() {
  printf '{"Cmd":["redis-server"],"Env":["%s","LANG=C.UTF-8"],"WorkingDir":"/data","ExposedPorts":{"6379/tcp":{}},"Labels":{"org.django-k8s.stand-in":"true","org.django-k8s.stand-in-for":"redis:7-alpine"}}' "$PATH_ENV"
}

build() {
  local key started
  key=$(cat "$HERE/standins.sh" "$HERE/oci.sh" "$HERE/standin/"*.sh | cat - <(printf '%s\n' "$SUITE" "$(debian_mirror "$SUITE" || true)") | sha256sum | cut -c1-16)
  POSTGRES_TAR=$CACHE/postgres-standin-$key.tar
  REDIS_TAR=$CACHE/redis-standin-$key.tar
  [ -f "$POSTGRES_TAR" ] && [ -f "$REDIS_TAR" ] && return 0
  started=$(date +%s)
  mkdir -p "$CACHE"
  build_rootfs
  oci_archive "$POSTGRES_IMAGE" "$ROOTFS" "$POSTGRES_TAR" "$(postgres_config)"
  oci_archive "$REDIS_IMAGE" "$ROOTFS" "$REDIS_TAR" "$(redis_config)"
  rm -rf "$ROOTFS"
  ROOTFS=""
  say "built $POSTGRES_IMAGE and $REDIS_IMAGE in $(($(date +%s) - started)) s ($(du -h "$POSTGRES_TAR" | cut -f1) layer, cached in $CACHE)"
}

case ${1:-} in
  build)
    build
    printf '%s\n%s\n' "$POSTGRES_TAR" "$REDIS_TAR"
    ;;
  import)
    address=${2:?usage: standins.sh import <containerd address>}
    build
    for tarball in "$POSTGRES_TAR" "$REDIS_TAR"; do
      ctr --address "$address" -n k8s.io images import "$tarball" >/dev/null \
        || die "ctr images import $tarball failed"
    done
    say "imported $POSTGRES_IMAGE, $REDIS_IMAGE (stand-ins built from Debian $SUITE's packages)"
    ;;
  images) printf '%s\n%s\n' "$POSTGRES_IMAGE" "$REDIS_IMAGE" ;;
  *) die "usage: standins.sh build | import <containerd address> | images" ;;
esac
