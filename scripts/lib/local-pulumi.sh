# shellcheck shell=bash
# Sourced by minikube-up.sh and dev-loop.sh: minikube running with its Docker in this shell,
# npm packages, local Pulumi state with a generated passphrase, the stack selected.
need() {
  command -v "$1" >/dev/null || { echo "$(basename "$0"): '$1' is not installed: $2" >&2; exit 1; }
}
need minikube "https://minikube.sigs.k8s.io/docs/start/"
need docker "the Docker CLI; minikube's daemon does the building"
need pulumi "https://www.pulumi.com/docs/install/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need npm "Node.js 20 or later"

STACK=${STACK:-minikube}
minikube status >/dev/null 2>&1 || minikube start --cpus="${MINIKUBE_CPUS:-4}" --memory="${MINIKUBE_MEMORY:-6g}"
# The autoscalers read CPU from the metrics server (`kubectl top` too).
minikube addons enable metrics-server >/dev/null
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
  pgdir=$(pulumi config get postgresHostPath 2>/dev/null || echo /data/django-k8s/postgres)
  minikube ssh -- "sudo install -d -m 0700 -o 70 -g 70 '$pgdir'"
fi
NAMESPACE=$(pulumi config get namespace 2>/dev/null || echo django)
export NAMESPACE
