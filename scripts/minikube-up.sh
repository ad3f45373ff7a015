#!/usr/bin/env bash
# The main job: the whole stack on a local minikube with `pulumi up`, state in a local
# folder (no Pulumi Cloud account). Needs minikube, docker (the client), kubectl, pulumi,
# Node.js and openssl (scripts/lib/check-tools.sh lists whatever is missing, with versions).
# Later commands: `npm run pulumi -- <args>` reaches the same state and passphrase.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/local-pulumi.sh

pulumi up --yes --stack "$STACK" "$@"
echo
pulumi stack output --stack "$STACK"
echo
echo "web:    $(pulumi stack output webUrlCommand --stack "$STACK")"
echo "flower: $(pulumi stack output flowerUrlCommand --stack "$STACK")  (user $(pulumi stack output flowerUser --stack "$STACK"), password: npm run pulumi -- stack output flowerPassword --show-secrets)"
echo "later:  npm run pulumi -- <command>   (this stack's state and passphrase from any shell)"
