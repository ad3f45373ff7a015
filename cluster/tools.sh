#!/usr/bin/env bash
# The tools the local cluster and the engine test need, built from the Go modules pinned in
# tools/<name>/ (go.mod and go.sum committed) and cached by version outside the clone, like the
# stand-in base image: built once per machine, reused after.
#
#   bash cluster/tools.sh [name ...]     builds what the cache lacks, prints one line per tool:
#                                        "<name> <version> <bin dir> <cold|cached> <seconds>"
#   source cluster/tools.sh; tool_bin <name>   the bin dir of one tool (building it if needed)
#
# The cache key is the version (tools/<name>/VERSION), a hash of every file in tools/<name>/
# and the Go version, so a changed pin or build script never reuses a stale binary.
set -euo pipefail

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
TOOLS_CACHE=${TOOLS_CACHE:-${STANDIN_CACHE:-/var/cache/django-k8s}/tools}
# Every tool, in the order a cold build should take them (the slowest last, so a failure in a
# quick one shows first).
ALL_TOOLS=(pulumi pulumi-random pulumi-kubernetes etcd kwok helm kubernetes)

tools_log() { printf 'tools: %s\n' "$*" >&2; }

tool_version() { head -n 1 "$TOOLS_DIR/$1/VERSION"; }

tool_key() { # name
  local dir=$TOOLS_DIR/$1
  { go version; (cd "$dir" && find . -type f ! -path './.build*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); } \
    | sha256sum | cut -c1-12
}

tool_dir() { printf '%s/%s-%s-%s' "$TOOLS_CACHE" "$1" "$(tool_version "$1")" "$(tool_key "$1")"; }

# Builds one tool into the cache unless it is there; prints its summary line on stdout.
ensure_tool() { # name
  local name=$1 dir started elapsed state=cached
  [ -f "$TOOLS_DIR/$name/build.sh" ] || { tools_log "no tools/$name/build.sh"; return 1; }
  command -v go >/dev/null || { tools_log "go is missing: the tools are built from Go modules (Go >= 1.26)"; return 1; }
  dir=$(tool_dir "$name")
  started=$(date +%s.%N)
  if [ ! -f "$dir/.complete" ]; then
    state=cold
    tools_log "building $name $(tool_version "$name") from its Go modules (first time on this machine; cached in $dir)"
    rm -rf "$dir.partial"
    mkdir -p "$dir.partial/bin"
    if ! (cd "$TOOLS_DIR/$name" && bash ./build.sh "$dir.partial/bin") >"$dir.partial.log" 2>&1; then
      tail -n 40 "$dir.partial.log" >&2
      tools_log "building $name failed (last lines above; whole log: $dir.partial.log)"
      return 1
    fi
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
    mv "$dir.partial.log" "$dir/build.log"
    touch "$dir/.complete"
  fi
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ "$state" = cold ]; then printf '%s\n' "$elapsed" >"$dir/build-seconds"; fi
  printf '%s %s %s %s %s\n' "$name" "$(tool_version "$name")" "$dir/bin" "$state" "$elapsed"
}

tool_bin() { # name
  local line
  line=$(ensure_tool "$1" | tail -n 1) || return 1
  printf '%s\n' "$line" | cut -d' ' -f3
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  mkdir -p "$TOOLS_CACHE"
  names=("$@")
  [ "${#names[@]}" -gt 0 ] || names=("${ALL_TOOLS[@]}")
  for name in "${names[@]}"; do
    line=$(ensure_tool "$name")
    read -r _ version _ state elapsed <<<"$line"
    if [ "$state" = cold ]; then
      printf '%s\n' "$line"
      tools_log "$name $version built in $elapsed s (cold)"
    else
      printf '%s %s\n' "$line" "(built in $(cat "$(tool_dir "$name")/build-seconds" 2>/dev/null || echo '?') s when cold)"
    fi
  done
fi
