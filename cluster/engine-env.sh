# shellcheck shell=bash
# The real engine's surroundings, for the scripts that run it against the local cluster
# (cluster/engine-test.sh, cluster/preview-lifecycle-test.sh, cluster/real-node/stack-test.sh,
# scripts/local-up.sh): the Pulumi CLI,
# the providers and kubectl from cluster/tools.sh on PATH; the plugins the SDKs ask for installed
# from those builds (automatic plugin download off); `engine` and `engine_config` to run
# cluster/engine.ts on a stack in ENGINE_PROJECT.
#
# Before sourcing: the repository is the working directory. Defines bin_of, version_of,
# install_plugin, install_plugins, engine_workspace (a test's own temporary Pulumi home, state
# and passphrase), engine, engine_config; needs say, die, timed from the caller.

export PULUMI_SKIP_UPDATE_CHECK=true
# Nothing may be downloaded: every plugin is the one built here.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

say "tools (built from their Go modules once per machine, cached in ${TOOLS_CACHE:-/var/cache/django-k8s/tools})"
tool_lines=$(bash cluster/tools.sh pulumi pulumi-kubernetes pulumi-random etcd kwok kubernetes)
printf '%s\n' "$tool_lines" | awk '{ printf "  %-18s %-10s %-6s %6s s  %s\n", $1, $2, $4, $5, $3 }'
bin_of() { printf '%s\n' "$tool_lines" | awk -v n="$1" '$1 == n { print $3 }'; }
version_of() { printf '%s\n' "$tool_lines" | awk -v n="$1" '$1 == n { sub(/^v/, "", $2); print $2 }'; }
# cluster/ for pulumi-analyzer-policy-nodejs, how the engine starts the policy pack here.
PATH="$(bin_of pulumi):$(bin_of kubernetes):$PWD/cluster:$PATH"
export PATH

# The SDKs in package-lock.json ask the engine for these plugin versions; the engine takes only
# an exact match. Where the Go module proxy serves no module at that version, the nearest served
# one is installed under the asked version (tools/README.md), and the skew is printed.
sdk_version() { node -p "require('@pulumi/$1/package.json').version"; }
install_plugin() { # name tool
  local name=$1 tool=$2 asked built
  asked=$(sdk_version "$name")
  built=$(version_of "$tool")
  pulumi plugin install resource "$name" "$asked" --file "$(bin_of "$tool")/pulumi-resource-$name" >/dev/null
  if [ "$asked" = "$built" ]; then
    echo "  plugin $name $asked (as the SDK asks)"
  else
    echo "  plugin $name: the SDK asks $asked; what the Go module proxy serves is built here, $built (installed as $asked; tools/README.md): SKEW $asked -> $built"
  fi
}
install_plugins() {
  say "Pulumi $(pulumi version) and its plugins (automatic plugin download off)"
  install_plugin kubernetes pulumi-kubernetes
  install_plugin random pulumi-random
}

# A run of its own: Pulumi home, file state backend, random passphrase and project folder (the
# ENGINE_PROJECT of `engine`), all under <work>, which the caller removes; the plugins installed.
engine_workspace() { # work
  export PULUMI_HOME=$1/pulumi-home PULUMI_BACKEND_URL=file://$1/state
  export PULUMI_CONFIG_PASSPHRASE
  PULUMI_CONFIG_PASSPHRASE=$(openssl rand -base64 24)
  mkdir -p "$1/state" "$1/project"
  ENGINE_PROJECT=$1/project
  install_plugins
}

engine_config() { # key value
  pulumi config set --cwd "$ENGINE_PROJECT" --stack "$STACK" "django-k8s:$1" "$2"
}

# One operation through cluster/engine.ts, its output in <events>.log, its tally printed.
engine() { # label operation events-file [engine.ts options...]
  local label=$1 op=$2 events=$3
  shift 3
  timed "$label" npx --no-install tsx cluster/engine.ts "$op" --stack "$STACK" --work-dir "$ENGINE_PROJECT" \
    --events "$events" "$@" >"$events.log" 2>&1 \
    || { tail -n 60 "$events.log" >&2; die "$label failed (engine output above)"; }
  grep -A200 "^engine $op:" "$events.log" | sed 's/^/  /' || die "$label: no tally in the engine's output ($events.log)"
}
