#!/usr/bin/env bash
# The local control plane (etcd, kube-apiserver, controller-manager, scheduler and kwok's node on
# 127.0.0.1, or a real node with --real-node): up [--real-node] | down [--keep] | env | status. The work is in cluster/local-cluster.sh, next to
# the files it applies; this is the entry point beside the other scripts (docs/local-cluster.md).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../cluster/local-cluster.sh" "$@"
