#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis servers the app's tests use are running on this
# machine (127.0.0.1:5432 and :6379), installing them from Debian's packages when absent.
# The tests never skip for a missing server: they fail, so this runs first.
set -euo pipefail

PGHOST_CHECK=${POSTGRES_HOST:-127.0.0.1}
PGPORT_CHECK=${POSTGRES_PORT:-5432}
REDIS_PORT_CHECK=6379

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* missing and not root; install them or point POSTGRES_*/REDIS_URL at servers" >&2
    exit 1
  fi
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! port_open "$PGHOST_CHECK" "$PGPORT_CHECK"; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do port_open "$PGHOST_CHECK" "$PGPORT_CHECK" && break; sleep 1; done
fi
port_open "$PGHOST_CHECK" "$PGPORT_CHECK" || { echo "ensure-services: PostgreSQL is not reachable on $PGHOST_CHECK:$PGPORT_CHECK" >&2; exit 1; }

# redis-server is needed even when a Redis runs: the TLS test starts one of its own.
command -v redis-server >/dev/null || apt_install redis-server
if ! port_open 127.0.0.1 "$REDIS_PORT_CHECK"; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT_CHECK" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do port_open 127.0.0.1 "$REDIS_PORT_CHECK" && break; sleep 1; done
fi
port_open 127.0.0.1 "$REDIS_PORT_CHECK" || { echo "ensure-services: Redis is not reachable on 127.0.0.1:$REDIS_PORT_CHECK" >&2; exit 1; }
echo "ensure-services: PostgreSQL and Redis are up"
