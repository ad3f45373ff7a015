#!/usr/bin/env bash
# The main job: the whole stack on a local minikube with `pulumi up`, state in a local
# folder (no Pulumi Cloud account). Needs minikube, docker (the client) and the pulumi CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK=${STACK:-minikube}

need() {
  command -v "$1" >/dev/null || { echo "minikube-up: '$1' is not installed: $2" >&2; exit 1; }
}
need minikube "https://minikube.sigs.k8s.io/docs/start/"
need docker "the Docker CLI; minikube's daemon does the building"
need pulumi "https://www.pulumi.com/docs/install/"
need npm "Node.js 20 or later"

minikube status >/dev/null 2>&1 || minikube start --cpus="${MINIKUBE_CPUS:-4}" --memory="${MINIKUBE_MEMORY:-6g}"
# Build the app image inside minikube's Docker, where the kubelet finds it without a registry.
eval "$(minikube docker-env)"

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

# Local state and a generated passphrase for the stack's secrets, both kept out of git.
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  [ -s .pulumi-state/passphrase ] || (umask 077 && openssl rand -base64 32 > .pulumi-state/passphrase)
  export PULUMI_CONFIG_PASSPHRASE_FILE=$PWD/.pulumi-state/passphrase
fi
pulumi stack select --create "$STACK" --non-interactive

# The hostPath PersistentVolume's directory must belong to the postgres user (UID 70):
# the database pod runs as that user under the restricted profile and cannot chown.
if [ "$(pulumi config get postgresStorage 2>/dev/null || echo hostPath)" = hostPath ]; then
  dir=$(pulumi config get postgresHostPath 2>/dev/null || echo /data/django-k8s/postgres)
  minikube ssh -- "sudo install -d -m 0700 -o 70 -g 70 '$dir'"
fi

pulumi up --yes --stack "$STACK" "$@"
echo
pulumi stack output --stack "$STACK"
echo
echo "web:    $(pulumi stack output webUrlCommand --stack "$STACK")"
echo "flower: $(pulumi stack output flowerUrlCommand --stack "$STACK")  (user $(pulumi stack output flowerUser --stack "$STACK"), password: pulumi stack output flowerPassword --show-secrets)"
