#!/usr/bin/env bash
# Checks every tool a command needs in one pass and lists all that are missing or too old, so
# a first run reports the whole list at once instead of one tool per attempt.
#
#   bash scripts/lib/check-tools.sh <tool> ...     (exit 1 with the list when any is missing)
#
# Minimum versions: pulumi = the @pulumi/pulumi SDK the program pins (package.json; the
# workflows pin the same CLI); minikube 1.36 and kubectl 1.32 for Kubernetes 1.33, the version
# the rendered objects are validated against; Docker 24 for BuildKit builds through
# minikube's daemon; Node.js 20 (package.json engines); any OpenSSL that has `rand`.
set -euo pipefail

declare -A MINIMUM=([pulumi]=3.248.0 [minikube]=1.36.0 [kubectl]=1.32.0 [docker]=24.0.0 [node]=20.0.0 [npm]=9.0.0 [openssl]=1.1.0)
declare -A WHERE=(
  [pulumi]="https://www.pulumi.com/docs/install/"
  [minikube]="https://minikube.sigs.k8s.io/docs/start/"
  [kubectl]="https://kubernetes.io/docs/tasks/tools/"
  [docker]="the Docker CLI (https://docs.docker.com/engine/install/); minikube's daemon does the building"
  [node]="Node.js (https://nodejs.org/)"
  [npm]="comes with Node.js"
  [openssl]="your system's openssl package"
)

# The first dotted version number a tool prints about itself.
version_of() {
  local out
  case $1 in
    pulumi) out=$(pulumi version 2>/dev/null) ;;
    minikube) out=$(minikube version --short 2>/dev/null) ;;
    kubectl) out=$(kubectl version --client 2>/dev/null) ;;
    docker) out=$(docker version --format '{{.Client.Version}}' 2>/dev/null || docker --version 2>/dev/null) ;;
    node) out=$(node --version 2>/dev/null) ;;
    npm) out=$(npm --version 2>/dev/null) ;;
    openssl) out=$(openssl version 2>/dev/null) ;;
  esac
  grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' <<<"${out:-}" | head -n 1 || true
}

# True when version $1 >= $2 (numeric, field by field).
at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$2" ]
}

problems=()
for tool in "$@"; do
  minimum=${MINIMUM[$tool]:?unknown tool $tool}
  if ! command -v "$tool" >/dev/null 2>&1; then
    problems+=("  $tool >= $minimum: not installed; ${WHERE[$tool]}")
    continue
  fi
  found=$(version_of "$tool")
  if [ -z "$found" ]; then
    problems+=("  $tool >= $minimum: installed, but its version could not be read")
  elif ! at_least "$found" "$minimum"; then
    problems+=("  $tool >= $minimum: found $found; ${WHERE[$tool]}")
  fi
done

if [ ${#problems[@]} -gt 0 ]; then
  {
    echo "$(basename "${CALLER:-$0}"): missing or too old:"
    printf '%s\n' "${problems[@]}"
    echo "No cluster here? 'npm run synth -- --stack minikube' previews everything offline (needs only Node.js)."
  } >&2
  exit 1
fi
