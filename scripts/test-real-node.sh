#!/usr/bin/env bash
# The local cluster's real node, smoke-checked: up --real-node, a pod run, reached by its IP, its
# Service's ClusterIP and NodePort, its logs; then down, checking nothing is left. Prints its
# figures. Root, on Linux (docs/local-cluster.md, "Real node"). --keep-up leaves it up.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../cluster/real-node/smoke.sh" "$@"
