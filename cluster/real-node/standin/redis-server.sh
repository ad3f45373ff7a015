#!/bin/sh
# /usr/local/bin/redis-server of the redis:7-alpine stand-in (cluster/real-node/standins.sh):
# ahead of Debian's /usr/bin/redis-server on PATH, so the stack's command (`redis-server
# /etc/redis/redis.conf`, components/k8s/InClusterRedis.ts) says first that a stand-in runs.
cat >&2 <<BANNER
################################################################################
# STAND-IN IMAGE: not redis:7-alpine. Debian bookworm's $(/usr/bin/redis-server --version | cut -d' ' -f1-3)
# (cluster/real-node/standins.sh), for the local cluster's real node only.
################################################################################
BANNER
exec /usr/bin/redis-server "$@"
