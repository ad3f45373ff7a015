#!/bin/bash
# The entrypoint of the postgres:17-alpine stand-in (cluster/real-node/standins.sh), installed as
# /usr/local/bin/docker-entrypoint.sh. It keeps the part of the official image's entrypoint the
# stack relies on (components/k8s/InClusterPostgres.ts): POSTGRES_PASSWORD, POSTGRES_USER and
# POSTGRES_DB or their *_FILE variants; on an empty PGDATA, initdb with that superuser and
# password, a database of that name, and password (scram-sha-256) authentication for every host
# address; then `exec postgres "$@"`. It runs as whatever user the pod says (the stack: 70, the
# image's postgres user), never switching users: the pod's root filesystem is read-only and it
# has no capabilities. Not carried over: /docker-entrypoint-initdb.d, POSTGRES_INITDB_ARGS,
# POSTGRES_HOST_AUTH_METHOD (the stack sets none of them).
set -Eeuo pipefail

cat >&2 <<BANNER
################################################################################
# STAND-IN IMAGE: not postgres:17-alpine. Debian bookworm's PostgreSQL $(postgres --version | awk '{ print $3 }')
# (cluster/real-node/standins.sh), for the local cluster's real node only.
################################################################################
BANNER

die() {
  printf 'postgres stand-in: ERROR: %s\n' "$*" >&2
  exit 1
}

# <NAME> from the environment, or from the file <NAME>_FILE names (never both).
file_env() { # name default
  local name=$1 file_var="${1}_FILE" default=${2:-}
  if [ -n "${!name:-}" ] && [ -n "${!file_var:-}" ]; then die "both $name and $file_var are set"; fi
  local value=$default
  if [ -n "${!name:-}" ]; then
    value=${!name}
  elif [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || die "$file_var names ${!file_var}, which cannot be read"
    value=$(<"${!file_var}")
  fi
  export "$name"="$value"
  unset "$file_var"
}

# Flags alone mean the server with those flags, as in the official image.
if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
  : "${PGDATA:?PGDATA is not set}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA" 2>/dev/null || true
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    [ -n "$POSTGRES_PASSWORD" ] || die "POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) is required for a new database"
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") -D "$PGDATA" >&2
    printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    # A server on its socket only, to create the database; stopped before the real one starts.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >&2
    if [ "$POSTGRES_DB" != postgres ]; then
      psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password --dbname postgres \
        --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >&2
    fi
    pg_ctl -D "$PGDATA" -m fast -w stop >&2
    echo "postgres stand-in: database $POSTGRES_DB initialised in $PGDATA" >&2
  fi
  unset POSTGRES_PASSWORD
fi
exec "$@"
