#!/usr/bin/env bash
# The minikube stack on the local cluster's real node (docs/local-cluster.md, "The stack on the
# real node"): `pulumi up` with the real engine (cluster/engine.ts; the CLI and providers built
# here), the app image the container test built in podman, the PostgreSQL and Redis stand-ins
# (cluster/real-node/standins.sh); every pod runs under the kubelet. Checks, printing figures:
#
#   1. up: every pod Ready within its probes' budget, none restarted (each one's seconds)
#   2. the migration Job Succeeded
#   3. scripts/smoke-check.py against the web NodePort on 127.0.0.1 (liveness, readiness, the
#      demo page, a task round trip through the worker)
#   4. Flower answers 401 without its password and 200 with it
#   5. the PostgreSQL pod deleted: a visit written before is read after (hostPath volume)
#   6. beat's heartbeat row in PostgreSQL (beat sent it, a worker ran it)
#   7. two pull-request previews of this stack with databases that really exist, their isolation,
#      destroy and sweep dropping them, the stack's own data untouched (preview-check.sh)
#   8. a new image rolls out under a steady 5 requests/s on / with no failed request
#   9. devMode: a change to a file under app/ (a copy) served without a rebuild
#  10. destroy leaves nothing of the stack; then `down`, checked by down-check.sh
#
# Starts the real node (`local-cluster.sh up --real-node`) unless it is up; stops it at the end
# (KEEP_CLUSTER=1 leaves it up). Root, on Linux; run by scripts/test-real-node.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

HARNESS="real-node stack"
# shellcheck source=cluster/harness.sh
source cluster/harness.sh # say, die, now, since, timed
figures=()

[ "$(id -u)" = 0 ] || die "the real node runs as root"
[ -d node_modules ] || die "node_modules is missing: npm ci --ignore-scripts"
[ -x .venv/bin/python ] || die ".venv is missing: python3 -m venv .venv && .venv/bin/pip install --require-hashes -r app/requirements-dev.txt"
test_started=$(now)
STACK=minikube
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
# shellcheck source=cluster/real-node/node.sh
source cluster/real-node/node.sh # CONTAINERD_SOCK, NODE_DIR

work=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-real-node-stack.XXXXXX")
# devMode's working copy: the web pod (uid 10001) reads it through a hostPath volume.
dev_src=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-real-node-src.XXXXXX")
chmod 0755 "$dev_src"
load_pid=""
cleanup() {
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  if [ -z "${KEEP_CLUSTER:-}" ] && [ -f "$STATE/node-mode" ]; then bash cluster/local-cluster.sh down >/dev/null 2>&1 || true; fi
  rm -rf "$work" "$dev_src"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=cluster/engine-env.sh
source cluster/engine-env.sh
engine_workspace "$work"
kubectl() { command kubectl --context django-k8s-local "$@"; }

# --- the app image, the cluster, the stack's config ------------------------------------------------
npx --no-install tsx scripts/synth.ts --stack "$STACK" --out "$work/synth" >/dev/null
app_image=$(node -e '
  const r = require(process.argv[1]);
  const web = r.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name === "django-web");
  console.log(web.inputs.spec.template.spec.containers[0].image);' "$work/synth/resources.json")
podman image exists "$app_image" \
  || die "podman has no $app_image, the app image of app/ as it is now: bash scripts/test-containers.sh builds it"
next_image="${app_image%:*}:real-node-next"

say "the real node (local-cluster.sh up --real-node; stand-ins and pause imported at up)"
timed "cluster up (or already up)" env LOCAL_CLUSTER_NODE=real bash cluster/local-cluster.sh up
eval "$(bash cluster/local-cluster.sh env)"
timed "app image from podman" bash cluster/real-node/images.sh from-podman "$CONTAINERD_SOCK" "$app_image"
# The rollout's "new image": the same content under another tag, so every app pod is replaced.
ctr --address "$CONTAINERD_SOCK" -n k8s.io images tag --force \
  "$(bash cluster/real-node/images.sh name "$app_image")" "$(bash cluster/real-node/images.sh name "$next_image")" >/dev/null
read -r postgres_image redis_image < <(bash cluster/real-node/standins.sh images | paste -sd' ')

cp Pulumi.yaml "Pulumi.$STACK.yaml" "$work/project/"
pulumi stack init "$STACK" --cwd "$work/project" >/dev/null
engine_config kubeContext django-k8s-local
engine_config image "$app_image"
engine_config postgresImage "$postgres_image"
engine_config redisImage "$redis_image"
# In the state folder: `down` removes it with everything else (node-sync.sh opens it for uid 70).
engine_config postgresHostPath "$NODE_DIR/volumes/postgres"
output() { pulumi stack output --cwd "$work/project" --stack "$STACK" "$@"; }

# --- 1, 2: up, every pod Ready, the migration Job ---------------------------------------------------
say "1. up on the real node"
engine "1. up" up "$work/1-up.jsonl"
ns=$(output namespace)
echo "  pods, seconds from creation to Ready (Jobs: to Succeeded), against their probes' budget:"
.venv/bin/python cluster/real-node/stack_checks.py ready-times --namespace "$ns" --timeout 120 \
  || { kubectl -n "$ns" get pods -o wide; die "a pod was late, restarted or not Ready"; }
job=$(output migrationJob)
[ "$(kubectl -n "$ns" get job "$job" -o jsonpath='{.status.succeeded}')" = 1 ] || die "the migration Job $job did not succeed"
echo "  2. migration Job $job: Succeeded"

# --- 3, 4: the smoke check, Flower --------------------------------------------------------------------
web_url=http://127.0.0.1:$(output webNodePort)
flower_url=http://127.0.0.1:$(output flowerNodePort)
say "3. smoke check against $web_url"
timed "3. smoke check" .venv/bin/python scripts/smoke-check.py "$web_url" --timeout 120 \
  || die "the smoke check failed against the web NodePort"
# The smoke check again, its lines shown only when it fails (with the pods, to say why).
smoke_quietly() { # what failed
  local out
  out=$(.venv/bin/python scripts/smoke-check.py "$web_url" --timeout 120 2>&1) && return 0
  printf '%s\n' "$out" | sed 's/^/  /' >&2
  kubectl -n "$ns" get pods -o wide >&2 || true
  die "$1"
}
say "4. Flower at $flower_url"
without=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$flower_url/")
with=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$(output flowerUser):$(output --show-secrets flowerPassword)" "$flower_url/")
echo "  without its password: $without; with it: $with"
{ [ "$without" = 401 ] && [ "$with" = 200 ]; } || die "Flower answered $without without its password and $with with it (401 and 200 expected)"
figures+=("Flower 401 without its password, 200 with it")

# --- 5, 6: the database's volume, beat's heartbeat ----------------------------------------------------
postgres_pod() { kubectl -n "$ns" get pods -l app.kubernetes.io/name=postgres -o jsonpath='{.items[0].metadata.name}'; }
# In the PostgreSQL pod, on its socket, as the stack's user (its credentials are files there).
psql_app() { # sql
  # shellcheck disable=SC2016 # expanded by the pod's shell
  kubectl -n "$ns" exec "$(postgres_pod)" -c postgres -- sh -c \
    'psql -X -A -t -h /var/run/postgresql -U "$(cat /run/secrets/postgres/POSTGRES_USER)" -d "$(cat /run/secrets/postgres/POSTGRES_DB)" -c "$1"' \
    psql "$1"
}
say "5. the PostgreSQL pod deleted: its data on the hostPath volume"
curl -fsS -o /dev/null --max-time 10 -A real-node-stack-test "$web_url/" || die "GET / failed before the restart"
visit=$(psql_app "select max(id) from demo_visit")
[ -n "$visit" ] || die "no visit in the database after GET /"
old_pod=$(postgres_pod)
old_uid=$(kubectl -n "$ns" get pod "$old_pod" -o jsonpath='{.metadata.uid}')
deleted=$(now)
kubectl -n "$ns" delete pod "$old_pod" --wait --timeout=90s >/dev/null
until [ -n "$(kubectl -n "$ns" get pod "$old_pod" -o jsonpath='{.metadata.uid}' 2>/dev/null)" ] \
  && [ "$(kubectl -n "$ns" get pod "$old_pod" -o jsonpath='{.metadata.uid}')" != "$old_uid" ]; do
  [ "$(since "$deleted" | cut -d. -f1)" -lt 60 ] || die "no new PostgreSQL pod 60 s after deleting $old_pod"
  sleep 0.2
done
kubectl -n "$ns" wait --for=condition=Ready "pod/$old_pod" --timeout=120s >/dev/null || die "the new PostgreSQL pod is not Ready"
ready_again=$(since "$deleted")
read_back=$(psql_app "select id from demo_visit where id = $visit")
echo "  visit $visit written before the delete, read after: '${read_back}'; PostgreSQL Ready again $ready_again s after the delete began"
[ "$read_back" = "$visit" ] || die "visit $visit is gone after the PostgreSQL pod was replaced"
figures+=("PostgreSQL Ready again $ready_again s after its pod was deleted, visit $visit kept")
smoke_quietly "the app did not recover after the PostgreSQL restart"

say "6. beat's heartbeat in PostgreSQL (every HEARTBEAT_SECONDS, 60 by default)"
waited=$(now)
until beat=$(psql_app "select runs || ' run(s), last ' || last_run || ' by ' || worker from demo_heartbeat where name = 'beat'") && [ -n "$beat" ]; do
  [ "$(since "$waited" | cut -d. -f1)" -lt 150 ] || die "no beat heartbeat in demo_heartbeat after 150 s"
  sleep 3
done
echo "  demo_heartbeat 'beat': $beat"

# --- 7: previews of this stack, with real databases ------------------------------------------------
say "7. two previews of $STACK (cluster/real-node/preview-check.sh)"
timed "7. previews" bash cluster/real-node/preview-check.sh --work-dir "$work/project" --parent "$STACK" \
  --image "$app_image" --figures "$work/previews.figures"
mapfile -t -O "${#figures[@]}" figures <"$work/previews.figures"

# --- 8: a new image under load --------------------------------------------------------------------------
say "8. a new image ($next_image) rolled out under 5 requests/s on /"
rm -f "$work/load.stop"
.venv/bin/python cluster/real-node/stack_checks.py load --url "$web_url/" --rate 5 --stop-file "$work/load.stop" >"$work/load.log" 2>&1 &
load_pid=$!
sleep 2
engine_config image "$next_image"
engine "8. up, new image, under load" up "$work/8-image.jsonl"
sleep 3
touch "$work/load.stop"
load_status=0
wait "$load_pid" || load_status=$?
load_pid=""
sed 's/^/  /' "$work/load.log"
[ "$load_status" = 0 ] || die "requests failed during the rollout (above)"
figures+=("rollout under load: $(head -n 1 "$work/load.log")")
[ "$(kubectl -n "$ns" get deployment -l app.kubernetes.io/component=web -o jsonpath='{.items[0].spec.template.spec.containers[0].image}')" = "$next_image" ] \
  || die "the web Deployment does not run $next_image after the up"

# --- 9: devMode --------------------------------------------------------------------------------------------
say "9. devMode: app/ from a working copy on the node ($dev_src)"
cp -a app/. "$dev_src/"
engine_config devMode true
engine_config devSourcePath "$dev_src"
engine "9. up, devMode" up "$work/9-dev.jsonl"
.venv/bin/python cluster/real-node/stack_checks.py ready-times --namespace "$ns" --timeout 120 >/dev/null \
  || { kubectl -n "$ns" get pods; die "devMode's pods are not Ready"; }
smoke_quietly "the smoke check failed in devMode"
marker="served-from-the-working-copy-$(openssl rand -hex 4)"
template=$dev_src/demo/templates/demo/index.html
[ -f "$template" ] || die "no $template to change"
changed=$(now)
printf '\n<!-- %s -->\n' "$marker" >>"$template"
until curl -fsS --max-time 10 "$web_url/" 2>/dev/null | grep -q "$marker"; do
  [ "$(since "$changed" | cut -d. -f1)" -lt 60 ] || die "the change to $template was not served within 60 s"
  sleep 0.5
done
dev_seconds=$(since "$changed")
echo "  a change to app/demo/templates/demo/index.html served $dev_seconds s later, no image built"
figures+=("devMode: a change under app/ served $dev_seconds s later")

# --- 10: destroy, down ----------------------------------------------------------------------------------------
say "10. destroy"
engine "10. destroy" destroy "$work/10-destroy.jsonl"
.venv/bin/python cluster/cluster_state.py gone --namespace "$ns"
left=$(pulumi stack export --cwd "$work/project" --stack "$STACK" | jq '.deployment.resources // [] | length')
echo "  resources left in the stack's state: $left"
[ "$left" = 0 ] || die "destroy left $left resources in the stack's state"
if [ -z "${KEEP_CLUSTER:-}" ]; then
  say "down"
  timed "down, checked" bash cluster/real-node/down-check.sh
fi

say "durations"
printf '  %s\n' "${timings[@]}"
say "figures"
printf '  %s\n' "${figures[@]}"
echo "real-node stack test: passed in $(since "$test_started") s"
