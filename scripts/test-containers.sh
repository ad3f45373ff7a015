#!/usr/bin/env bash
# The container test (docs/containers.md): builds the app image from app/ with podman and runs
# the migrate, web, worker, beat and Flower roles exactly as the minikube stack's rendered pod
# specs say, against this run's own PostgreSQL database and redis-server, checking each role
# through its own probes. Then proves the checks can fail: three deliberately broken specs
# must each fail with a message naming the role and the cause.
#
#   bash scripts/test-containers.sh [--skip-self-test | --only-self-test]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

mode=all
case "${1:-}" in
  "") ;;
  --skip-self-test) mode=main ;;
  --only-self-test) mode=self-test ;;
  *) echo "test-containers: unknown option '$1'; use --skip-self-test or --only-self-test" >&2; exit 2 ;;
esac

export CONTAINERS_CONF="$repo/containers/containers.conf"
HARNESS=containers
# shellcheck source=cluster/harness.sh
source cluster/harness.sh # say, die, now, since

# --- what it needs, from Debian's packages ------------------------------------------------
# Root: rootful podman (cgroup limits, secret files owned by the pod's fsGroup) and debootstrap.
[ "$(id -u)" = 0 ] || die "the container test needs root (rootful podman, files owned by the pods' fsGroup, debootstrap); run it with sudo"
missing=()
for pair in podman:podman runc:runc slirp4netns:slirp4netns debootstrap:debootstrap redis-server:redis-server; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || die ".venv is missing: run bash scripts/test-all.sh once (it creates it from app/requirements-dev.txt)"
[ -d node_modules ] || die "node_modules is missing: npm ci"
# The limits containers.conf gives every container must fit under this shell's hard limits.
read -r conf_nofile conf_nproc < <(sed -n 's/.*nofile=[0-9]*:\([0-9]*\).*nproc=[0-9]*:\([0-9]*\).*/\1 \2/p' "$CONTAINERS_CONF")
[ "$(ulimit -Hn)" = unlimited ] || [ "$conf_nofile" -le "$(ulimit -Hn)" ] \
  || die "containers/containers.conf sets nofile=$conf_nofile, above this shell's hard limit $(ulimit -Hn); runc would refuse every container"
[ "$(ulimit -Hu)" = unlimited ] || [ "$conf_nproc" -le "$(ulimit -Hu)" ] \
  || die "containers/containers.conf sets nproc=$conf_nproc, above this shell's hard limit $(ulimit -Hu)"
bash scripts/ensure-services.sh >/dev/null

# --- this run's names, and cleanup of everything they name, also on failure ---------------
run_id=$(printf '%x%x' "$(date +%s)" "$$")
work=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-containers.XXXXXX")
runs=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local id pid
  for id in "${runs[@]}"; do
    podman ps -a -q --filter "label=django-k8s.container-test=$id" | xargs -r podman rm --force --time 0 >/dev/null 2>&1 || true
    pid=$(cat "$work/$id/redis.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = redis-server ]; then kill "$pid" 2>/dev/null || true; fi
    .venv/bin/python - "dk8s_ct_$id" <<'EOF' 2>/dev/null || true
import sys, psycopg
from psycopg import sql
with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[1])))
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(sys.argv[1])))
EOF
  done
  # Only what this run's builds left untagged (the previous build of this tag, build stages,
  # a failed build's layers); images that were dangling before are not ours to remove.
  if [ -n "${dangling_before+set}" ]; then
    comm -13 <(echo "$dangling_before") <(podman images -q --filter dangling=true | sort) \
      | xargs -r podman rmi --force >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the rendered pod specs ----------------------------------------------------------------
say "rendering the minikube stack (npm run synth)"
npx --no-install tsx scripts/synth.ts --stack minikube --out "$work/synth" >/dev/null
node containers/manifests-to-json.mjs "$work/synth/manifests" >"$work/objects.json"
image=$(.venv/bin/python -c '
import json, sys
for o in json.load(open(sys.argv[1])):
    if o["kind"] == "Deployment" and o["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "web":
        print(o["spec"]["template"]["spec"]["containers"][0]["image"])' "$work/objects.json")
[ -n "$image" ] || die "the minikube stack renders no web Deployment: cannot tell the app image's name"

# --- the image ---------------------------------------------------------------------------
build_image() { # extra podman build options...
  bash containers/build-image.sh "$image" "$work/build.log" "$@" \
    || { tail -n 40 "$work/build.log" >&2; die "podman build of app/ failed (last lines above)"; }
}
if [ "$mode" != self-test ] || ! podman image exists "$image"; then
  # The base the Dockerfile names by default (ARG PYTHON_IMAGE:PYTHON_TAG), read from it: one source.
  base_repo=$(sed -n 's/^ARG PYTHON_IMAGE=//p' app/Dockerfile)
  base_tag=$(sed -n 's/^ARG PYTHON_TAG=//p' app/Dockerfile)
  if [ -z "$base_repo" ] || [ -z "$base_tag" ]; then die "app/Dockerfile has no ARG PYTHON_IMAGE= and PYTHON_TAG= defaults"; fi
  say "base image $base_repo:$base_tag"
  started=$(now)
  base_kind=$(bash containers/base-image.sh "docker.io/library/$base_repo:$base_tag" | tail -n 1)
  base_kind="$base_kind, ready in $(since "$started") s"
  dangling_before=$(podman images -q --filter dangling=true | sort)
  say "building $image from app/ without the layer cache (cold)"
  started=$(now); build_image --no-cache; cold=$(since "$started")
  say "building again (cached)"
  started=$(now); build_image; cached=$(since "$started")
  size_mb=$(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f", $1 / 1000000 }')
  echo "image $image: $size_mb MB, built in $cold s cold, $cached s cached (base: $base_kind)"
  if [ "${base_kind%%,*}" = stand-in ]; then
    echo "!!! built on the STAND-IN base (Debian's python3.11), not the official $base_repo:$base_tag !!!"
  fi
fi

status=0
harness() { # run-id harness-options...
  local id=$1
  shift
  runs+=("$id")
  mkdir -p "$work/$id"
  (cd containers && ../.venv/bin/python harness.py --objects "$work/objects.json" --run-id "$id" --work-dir "$work/$id" "$@")
}

# --- every role, as rendered -----------------------------------------------------------------
if [ "$mode" != self-test ]; then
  say "running migrate, web, worker, beat and Flower from the rendered pod specs"
  build_json=$(printf '{"image": "%s", "size_mb": "%s", "base": "%s", "cold_s": "%s", "cached_s": "%s"}' \
    "$image" "$size_mb" "$base_kind" "$cold" "$cached")
  harness "${run_id}m" --build "$build_json" || status=1
fi

# --- the checks can fail: each broken spec must fail, naming the role and the cause ------------
if [ "$mode" != main ]; then
  say "self-test: deliberately broken pod specs must fail"
  # case|role|what the first failure line must say (an extended regex; | separates alternatives)
  while IFS='|' read -r case role cause; do
    id="${run_id}n${#runs[@]}"
    out="$work/self-test-$case.log"
    if harness "$id" --mutate "$case:$role" --roles "migrate,$role" --skip busy >"$out" 2>&1; then
      echo "SELF-TEST FAIL $case:$role: the broken spec passed every check"; status=1
    elif ! grep -Eq "^FAIL $role: .*($cause)" "$out"; then
      echo "SELF-TEST FAIL $case:$role: it failed, but no 'FAIL $role: ...$cause' message:"; sed 's/^/    | /' "$out"; status=1
    else
      echo "self-test $case:$role failed as it must: $(grep -m1 "^FAIL $role: " "$out" | cut -c1-160)"
    fi
  done <<'EOF'
env-name|web|REDIS_URL
readonly-tmp|worker|Read-only file system|No usable temporary directory
unreadable-uid|web|Permission denied
EOF
fi
if [ "$status" = 0 ]; then echo "container test: passed"; else echo "container test: FAILED"; fi
exit "$status"
