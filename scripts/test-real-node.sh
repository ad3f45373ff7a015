#!/usr/bin/env bash
# The local cluster's real node (docs/local-cluster.md, "Real node"), root, on Linux:
#   1. cluster/real-node/smoke.sh: up --real-node, a pod run, reached by its IP, its Service's
#      ClusterIP and NodePort, its logs; the app's image run as a Job;
#   2. cluster/real-node/stack-test.sh on the same node: the minikube stack deployed with the real
#      engine, its pods' Ready times, the smoke check, Flower, the database's volume, beat,
#      two pull-request previews with real databases (preview-check.sh), a rollout under load,
#      devMode, destroy; then down, checking nothing is left.
# Prints the figures of both.
#
#   bash scripts/test-real-node.sh                both
#   bash scripts/test-real-node.sh --smoke-only   the smoke check alone, then down
#   bash scripts/test-real-node.sh --keep-up      both, leaving the cluster up
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
case ${1:-} in
  --smoke-only) exec bash "$here/../cluster/real-node/smoke.sh" ;;
  --keep-up) export KEEP_CLUSTER=1 ;;
  "") ;;
  *) echo "test-real-node: unknown option '$1'; use --smoke-only or --keep-up" >&2; exit 2 ;;
esac
bash "$here/../cluster/real-node/smoke.sh" --keep-up
exec bash "$here/../cluster/real-node/stack-test.sh"
