# shellcheck shell=bash
# Sourced by minikube-up.sh and dev-loop.sh: every tool present, minikube running with its
# Docker in this shell, npm packages, local Pulumi state with a generated passphrase, the
# stack selected.
CALLER=$0 bash scripts/lib/check-tools.sh minikube docker kubectl pulumi node npm openssl

STACK=${STACK:-minikube}
minikube status >/dev/null 2>&1 || minikube start --cpus="${MINIKUBE_CPUS:-4}" --memory="${MINIKUBE_MEMORY:-6g}"
# The autoscalers read CPU from the metrics server (`kubectl top` too).
minikube addons enable metrics-server >/dev/null
# Build the app image inside minikube's Docker, where the kubelet finds it without a registry.
eval "$(minikube docker-env)"

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

source scripts/lib/pulumi-env.sh
export PULUMI_STACK=$STACK
pulumi stack select --create "$STACK" --non-interactive

# The hostPath PersistentVolume's directory must belong to the postgres user (UID 70):
# the database pod runs as that user under the restricted profile and cannot chown.
if [ "$(pulumi config get postgresStorage 2>/dev/null || echo hostPath)" = hostPath ]; then
  pgdir=$(pulumi config get postgresHostPath 2>/dev/null || echo /data/django-k8s/postgres)
  minikube ssh -- "sudo install -d -m 0700 -o 70 -g 70 '$pgdir'"
fi
NAMESPACE=$(pulumi config get namespace 2>/dev/null || echo django)
export NAMESPACE
