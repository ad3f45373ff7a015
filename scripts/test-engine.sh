#!/usr/bin/env bash
# The engine test: the Pulumi CLI and providers built from their Go modules, the minikube stack
# previewed, deployed, changed and destroyed against a local control plane (cluster/engine-test.sh;
# docs/development.md, "The real engine"). The first run on a machine builds the tools (long).
exec bash "$(dirname "$0")/../cluster/engine-test.sh" "$@"
