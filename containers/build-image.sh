#!/usr/bin/env bash
# podman build of app/ as <image>, with this machine's pip settings handed in as build secrets
# (containers/pip_settings.py) and nothing pulled (--pull=never: the base is in podman's store,
# pulled or a stand-in, by containers/base-image.sh). The build's output goes to <log>.
# Used by scripts/test-containers.sh and scripts/local-up.sh.
#
# Usage: build-image.sh <image> <log> [podman build options...]
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:?usage: build-image.sh <image> <log> [podman build options...]}
log=${2:?usage: build-image.sh <image> <log> [podman build options...]}
shift 2
pip=$(mktemp -d)
trap 'rm -rf "$pip"' EXIT
mapfile -t volumes < <(.venv/bin/python containers/pip_settings.py "$pip")
podman build --pull=never --format docker "$@" "${volumes[@]}" \
  --secret "id=pip.conf,src=$pip/pip.conf" --secret "id=pip-ca.pem,src=$pip/pip-ca.pem" \
  --tag "$image" app >"$log" 2>&1
