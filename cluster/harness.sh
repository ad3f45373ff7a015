# shellcheck shell=bash
# What the test harnesses share (cluster/engine-test.sh, cluster/preview-lifecycle-test.sh,
# cluster/real-node/stack-test.sh, cluster/real-node/preview-check.sh, scripts/test-containers.sh),
# sourced from the repository's root after setting HARNESS, the name their messages carry:
#   say <text>                  a step's heading
#   die <text>                  the failure, on stderr, and exit 1
#   now, since <start>          seconds, one decimal
#   timed <label> <command...>  runs the command and adds its duration to `timings`, which the
#                               harness prints at its end (cluster/engine-env.sh's `engine` uses it)
: "${HARNESS:?set HARNESS to the name of the harness before sourcing cluster/harness.sh}"

say() { printf '\n==> %s: %s\n' "$HARNESS" "$*"; }
die() { printf '%s: FAILED: %s\n' "$HARNESS" "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
timings=()
timed() { # label command...
  local label=$1 started
  shift
  started=$(now)
  "$@"
  timings+=("$(printf '%-44s %6s s' "$label" "$(since "$started")")")
}
