#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is running on this machine (127.0.0.1:5432)
# and trusts loopback connections, and that redis-server is installed, installing them from
# Debian's packages when absent (a new machine starts with neither running).
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

# The tests connect over TCP on loopback as the superuser without a password (they create
# and drop their own roles and databases). Debian's default pg_hba.conf asks TCP clients for a
# password (scram-sha-256), so a cluster this script starts trusts loopback connections, and
# nothing else: the rule is written first, above Debian's own lines, for 127.0.0.1 and ::1 only.
# A server it did not start (POSTGRES_HOST/PORT pointing elsewhere) is left as it is.
TRUST_MARK="# django-k8s tests: loopback trusted (scripts/ensure-services.sh)"
trust_loopback() { # pg_hba.conf
  grep -qF "$TRUST_MARK" "$1" && return 1
  { printf '%s\n' "$TRUST_MARK" \
      "host    all             all             127.0.0.1/32            trust" \
      "host    all             all             ::1/128                 trust"
    cat "$1"; } >"$1.new"
  chown --reference="$1" "$1.new" && chmod --reference="$1" "$1.new" && mv "$1.new" "$1"
}

if ! port_open "$PGHOST_CHECK" "$PGPORT_CHECK"; then
  if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then apt_install postgresql; fi
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -n 1)
  [ -n "$version" ] || { echo "ensure-services: no PostgreSQL cluster under /etc/postgresql after installing postgresql" >&2; exit 1; }
  trust_loopback "/etc/postgresql/$version/main/pg_hba.conf" || true
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do port_open "$PGHOST_CHECK" "$PGPORT_CHECK" && break; sleep 1; done
elif [ "$PGHOST_CHECK:$PGPORT_CHECK" = 127.0.0.1:5432 ] && [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
  # Already running (a session started it, or Debian's package did on install): make sure it
  # trusts loopback too, and reload it when the rule was just added. The listener may be another
  # server (a container) with the local cluster stopped: that one is left alone.
  version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -n 1)
  if [ -n "$version" ] && pg_ctlcluster "$version" main status >/dev/null 2>&1 \
    && trust_loopback "/etc/postgresql/$version/main/pg_hba.conf"; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi
port_open "$PGHOST_CHECK" "$PGPORT_CHECK" || { echo "ensure-services: PostgreSQL is not reachable on $PGHOST_CHECK:$PGPORT_CHECK" >&2; exit 1; }

# The tests start redis-servers of their own (one per run, on a free port), so only the
# program is needed: no shared Redis runs, nothing one run stores can reach another.
command -v redis-server >/dev/null || apt_install redis-server
echo "ensure-services: PostgreSQL is up and redis-server is installed"
