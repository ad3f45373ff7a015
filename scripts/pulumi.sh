#!/usr/bin/env bash
# The Pulumi CLI against this checkout's local stacks: the same state folder and passphrase
# as minikube-up.sh, from any shell. Use it for every command after the first deploy:
#
#   npm run pulumi -- stack output flowerPassword --show-secrets
#   npm run pulumi -- config set django-k8s:loadGenerator true
#   npm run pulumi -- up --refresh
#
# The stack is minikube unless you pass --stack/-s or set PULUMI_STACK (the CLI's own
# variable: --stack wins over it, it wins over `pulumi stack select`).
set -euo pipefail
cd "$(dirname "$0")/.."
CALLER=$0 bash scripts/lib/check-tools.sh pulumi openssl
source scripts/lib/pulumi-env.sh
export PULUMI_STACK=${PULUMI_STACK:-minikube}
exec pulumi "$@"
