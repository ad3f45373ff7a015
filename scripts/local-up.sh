#!/usr/bin/env bash
# The main job without minikube or Docker, on a Linux machine as root: the local cluster with a
# real node on this machine (cluster/local-cluster.sh up --real-node: a control plane, containerd
# and a kubelet), then `pulumi up` of the minikube stack on it, then the app's URLs.
#
#   bash scripts/local-up.sh                   up (again: an update), printing the URLs
#   bash scripts/local-up.sh --down            destroy the stack, then stop the cluster
#   bash scripts/local-up.sh --flower-password Flower's password (a secret of the stack)
#
# What it uses, all built or made on this machine (docs/local-cluster.md, "The stack on the real
# node"): the Pulumi CLI and its providers from their Go modules (cluster/tools.sh) run by
# cluster/engine.ts; the app image built from app/ by podman (containers/build-image.sh) when
# podman does not have it yet; the PostgreSQL and Redis stand-ins from Debian's packages
# (cluster/real-node/standins.sh). The stack's state is in .pulumi-state/local-up, apart from
# minikube-up.sh's, with the same generated passphrase (scripts/lib/pulumi-env.sh). The database
# lives in the cluster's state folder and goes with --down: destroy removes its generated
# password from the stack's state, so a database kept for the next up would refuse the new one.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> local-up: %s\n' "$*"; }
die() { printf 'local-up: ERROR: %s\n' "$*" >&2; exit 1; }
timed() { shift; "$@"; } # engine-env.sh's engine() times its steps; here they are just run

mode=up
case ${1:-} in
  --down) mode=down ;;
  --flower-password) mode=flower-password ;;
  "") ;;
  *) die "unknown option '$1'; use --down or --flower-password, or nothing to bring the stack up" ;;
esac
[ "$(uname -s)" = Linux ] || die "the real node runs on Linux (kubelet, containerd, iptables); elsewhere use bash scripts/minikube-up.sh"
[ "$(id -u)" = 0 ] || die "the real node runs as root (kubelet and containerd manage cgroups, mounts, network namespaces); run it with sudo"
[ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
[ -x .venv/bin/python ] || { python3 -m venv .venv && .venv/bin/python -m pip install -q --require-hashes -r app/requirements-dev.txt; }

STACK=minikube
LOCAL_UP=$PWD/.pulumi-state/local-up
mkdir -p "$LOCAL_UP/state" "$LOCAL_UP/project"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$LOCAL_UP/state}
export PULUMI_HOME=${PULUMI_HOME:-$LOCAL_UP/home}
# shellcheck source=scripts/lib/pulumi-env.sh
source scripts/lib/pulumi-env.sh
ENGINE_PROJECT=$LOCAL_UP/project
# shellcheck source=cluster/engine-env.sh
source cluster/engine-env.sh
install_plugins
cluster() { bash cluster/local-cluster.sh "$@"; }
# The project's files as they are now in the checkout; the settings for this node on top.
cp Pulumi.yaml "Pulumi.$STACK.yaml" "$ENGINE_PROJECT/"
pulumi stack select --create "$STACK" --cwd "$ENGINE_PROJECT" --non-interactive >/dev/null

output() { pulumi stack output --cwd "$ENGINE_PROJECT" --stack "$STACK" "$@"; }
if [ "$mode" = flower-password ]; then
  output --show-secrets flowerPassword
  exit 0
fi
if [ "$mode" = down ]; then
  # Read whole first: grep -q would end the pipe early, and pipefail would call that a failure.
  status=$(cluster status 2>/dev/null || true)
  if grep -qE '^  API /readyz +ok$' <<<"$status"; then
    say "pulumi destroy of the $STACK stack"
    engine "destroy" destroy "$LOCAL_UP/destroy.jsonl"
  else
    say "the cluster is not up: nothing to destroy (the stack's state stays in $LOCAL_UP)"
  fi
  say "the local cluster down"
  cluster down
  echo "The stack and its data are gone (the database was in the cluster's state folder)."
  exit 0
fi

# --- the app image -------------------------------------------------------------------------------
export CONTAINERS_CONF=$PWD/containers/containers.conf
npx --no-install tsx scripts/synth.ts --stack "$STACK" --out "$LOCAL_UP/synth" >/dev/null
image=$(node -e '
  const r = require(process.argv[1]);
  const web = r.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name === "django-web");
  console.log(web.inputs.spec.template.spec.containers[0].image);' "$LOCAL_UP/synth/resources.json")
if podman image exists "$image"; then
  say "app image $image (already in podman)"
else
  say "building the app image $image from app/ with podman"
  base=$(sed -n 's/^ARG PYTHON_IMAGE=//p' app/Dockerfile):$(sed -n 's/^ARG PYTHON_TAG=//p' app/Dockerfile)
  bash containers/base-image.sh "docker.io/library/$base" >/dev/null
  bash containers/build-image.sh "$image" "$LOCAL_UP/build.log" \
    || { tail -n 30 "$LOCAL_UP/build.log" >&2; die "podman build of app/ failed (log: $LOCAL_UP/build.log)"; }
fi

# --- the cluster, the images on its node ---------------------------------------------------------
say "the local cluster with a real node"
LOCAL_CLUSTER_NODE=real cluster up
eval "$(cluster env)"
[ "$(cat "${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}/node-mode")" = real ] \
  || die "the local cluster is up with kwok's simulated node: bash scripts/local-cluster.sh down, then run this again"
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
# shellcheck source=cluster/real-node/node.sh
source cluster/real-node/node.sh # CONTAINERD_SOCK
bash cluster/real-node/images.sh from-podman "$CONTAINERD_SOCK" "$image"
read -r postgres_image redis_image < <(bash cluster/real-node/standins.sh images | paste -sd' ')

# --- pulumi up ---------------------------------------------------------------------------------------
engine_config kubeContext django-k8s-local
engine_config image "$image"
engine_config postgresImage "$postgres_image"
engine_config redisImage "$redis_image"
engine_config postgresHostPath "$NODE_DIR/volumes/postgres"
say "pulumi up of the $STACK stack on the real node"
engine "up" up "$LOCAL_UP/up.jsonl"

say "up"
echo "web:    http://127.0.0.1:$(output webNodePort)/"
echo "flower: http://127.0.0.1:$(output flowerNodePort)/  (user $(output flowerUser); password: bash scripts/local-up.sh --flower-password)"
echo "kubectl: eval \"\$(bash scripts/local-cluster.sh env)\"; kubectl -n $(output namespace) get pods"
echo "down:   bash scripts/local-up.sh --down"
