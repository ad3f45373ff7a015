# shellcheck shell=bash
# Sourced by every script that runs the Pulumi CLI on a local stack (minikube-up.sh,
# dev-loop.sh, pulumi.sh): the one place that says where the state lives and which passphrase
# encrypts its secrets, so a command typed after the first deploy reaches the same stack.
# Your own PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE(_FILE) win when set.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$REPO_ROOT/.pulumi-state"
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$REPO_ROOT/.pulumi-state}
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  [ -s "$REPO_ROOT/.pulumi-state/passphrase" ] \
    || (umask 077 && openssl rand -base64 32 >"$REPO_ROOT/.pulumi-state/passphrase")
  export PULUMI_CONFIG_PASSPHRASE_FILE=$REPO_ROOT/.pulumi-state/passphrase
fi
