#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is running on this machine (127.0.0.1:5432)
# and that redis-server is installed, installing them from Debian's packages when absent.
# Every test run creates its own role and databases there and starts its own Redis.
# The tests never skip for a missing server: they fail, so this runs first.
set -euo pipefail

PGHOST_CHECK=${POSTGRES_HOST:-127.0.0.1}
PGPORT_CHECK=${POSTGRES_PORT:-5432}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: $* missing and not root; install them or point POSTGRES_HOST/POSTGRES_PORT at a PostgreSQL server" >&2
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

# The tests start redis-servers of their own (one per run, on a free port), so only the
# program is needed: no shared Redis runs, nothing one run stores can reach another.
command -v redis-server >/dev/null || apt_install redis-server
echo "ensure-services: PostgreSQL is up and redis-server is installed"
