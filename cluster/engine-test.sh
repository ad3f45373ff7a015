#!/usr/bin/env bash
# The engine test (docs/development.md, "The real engine"): the Pulumi CLI and the Kubernetes and
# random providers built from their Go modules, against the local control plane
# (cluster/local-cluster.sh: etcd, kube-apiserver, controller-manager, scheduler, kwok's node).
# The minikube stack is previewed, deployed, redeployed without changes, given a new image and a
# new config, refused where Kubernetes refuses, destroyed and deployed again; every step prints
# the engine's own counts and its duration. The dev and prod stacks' rendered objects go through a
# server-side dry run against the same API server.
#
# This run's state, passphrase, plugins and stack live in a temporary folder removed at the end;
# the cluster is this run's own and is stopped at the end (KEEP_CLUSTER=1 leaves it up).
set -euo pipefail
cd "$(dirname "$0")/.."

HARNESS=engine
# shellcheck source=cluster/harness.sh
source cluster/harness.sh # say, die, now, since, timed

[ "$(id -u)" = 0 ] || die "the engine test starts a local control plane (its state under /var/lib); run it as root"
[ -d node_modules ] || die "node_modules is missing: npm ci --ignore-scripts"
STACK=minikube

kubectl() { command kubectl --context django-k8s-local "$@"; }

# --- this run's Pulumi home, state and passphrase ------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-engine.XXXXXX")
cluster_started=""
cleanup() {
  if [ -n "$cluster_started" ] && [ -z "${KEEP_CLUSTER:-}" ]; then bash cluster/local-cluster.sh down >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=cluster/engine-env.sh
source cluster/engine-env.sh
engine_workspace "$work"
pulumi plugin ls

# --- the local control plane ------------------------------------------------------------------
say "local control plane (cluster/local-cluster.sh up)"
cluster_started=1
timed "local control plane up" bash cluster/local-cluster.sh up
eval "$(bash cluster/local-cluster.sh env)"
kubectl version | sed 's/^/  /'

# --- the stack's project and config, in this run's own folder ------------------------------------
cp Pulumi.yaml "Pulumi.$STACK.yaml" "$work/project/"
pulumi stack init "$STACK" --cwd "$work/project" >/dev/null
config() { engine_config "$@"; }
# The app image by tag (the one the container test builds from app/); nothing here pulls it:
# kwok's node runs no container.
npx --no-install tsx scripts/synth.ts --stack "$STACK" --out "$work/synth-default" >/dev/null
app_image=$(node -e '
  const r = require(process.argv[1]);
  const web = r.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name === "django-web");
  console.log(web.inputs.spec.template.spec.containers[0].image);' "$work/synth-default/resources.json")
[ -n "$app_image" ] || die "the minikube stack renders no web Deployment image"
config kubeContext django-k8s-local
config image "$app_image"

check() { # check events [args...]
  npx --no-install tsx cluster/engineChecks.ts "$@" || die "check '$1' failed on $2"
}
synth_with() { # out-dir [--config key=value ...]
  local out=$1
  shift
  npx --no-install tsx scripts/synth.ts --stack "$STACK" --out "$out" \
    --config "django-k8s:kubeContext=django-k8s-local" "$@" >/dev/null
}

# 1. preview on an empty cluster: every resource a create; the policy pack run by the engine.
say "1. preview of an empty stack, with the policy pack"
engine "1. preview (policy pack)" preview "$work/1-preview.jsonl" --policy-pack policy
check all-creates "$work/1-preview.jsonl"
check policy-ran "$work/1-preview.jsonl" policy

# 2. up: the provider's await logic on every object.
say "2. up"
engine "2. up" up "$work/2-up.jsonl"
check all-creates "$work/2-up.jsonl"
.venv/bin/python cluster/cluster_state.py ready --namespace django

# 3. a second up changes nothing.
say "3. up again, --expect-no-changes"
engine "3. up, no changes expected" up "$work/3-noop.jsonl" --expect-no-changes
check no-changes "$work/3-noop.jsonl"

# 4. a new image: the Job replaced under its new name, then the Deployments roll.
say "4. a new image tag"
next_image="${app_image%:*}:engine-next"
synth_with "$work/synth-before" --config "django-k8s:image=$app_image"
synth_with "$work/synth-image" --config "django-k8s:image=$next_image"
config image "$next_image"
old_job=$(kubectl -n django get jobs -o jsonpath='{.items[*].metadata.name}')
engine "4. up, new image" up "$work/4-image.jsonl"
check plan "$work/4-image.jsonl"
check exactly "$work/4-image.jsonl" "$work/synth-before/resources.json" "$work/synth-image/resources.json"
check replaced-only "$work/4-image.jsonl" kubernetes:batch/v1:Job
check migrate-first "$work/4-image.jsonl" "$work/synth-image/resources.json"
new_job=$(kubectl -n django get jobs -o jsonpath='{.items[*].metadata.name}')
echo "  migration Job: $old_job -> $new_job"
[ "$old_job" != "$new_job" ] || die "the migration Job kept its name ($old_job) for a new image"
.venv/bin/python cluster/cluster_state.py ready --namespace django

# 5. a config change updates only what depends on it; an immutable field gets the engine's answer.
say "5. webReplicas 1 -> 2"
synth_with "$work/synth-replicas" --config "django-k8s:image=$next_image" --config "django-k8s:webReplicas=2"
synth_with "$work/synth-image2" --config "django-k8s:image=$next_image"
config webReplicas 2
engine "5. up, webReplicas 2" up "$work/5-replicas.jsonl"
check plan "$work/5-replicas.jsonl"
check exactly "$work/5-replicas.jsonl" "$work/synth-image2/resources.json" "$work/synth-replicas/resources.json"
say "5b. postgresStorageSize changed on a bound hostPath claim"
current_size=$(kubectl -n django get pvc postgres-data -o jsonpath='{.spec.resources.requests.storage}')
config postgresStorageSize 20Gi
if npx --no-install tsx cluster/engine.ts up --stack "$STACK" --work-dir "$work/project" \
  --events "$work/5b-storage.jsonl" >"$work/5b-storage.log" 2>&1; then
  die "growing the bound hostPath claim from $current_size to 20Gi succeeded; docs/operations.md says Kubernetes refuses it"
fi
echo "  refused, as documented (claim stays $current_size); the engine's answer:"
grep -m1 -iE "forbidden|only dynamically provisioned|is immutable" "$work/5b-storage.log" | cut -c1-300 | sed 's/^/    /'
pulumi config rm --cwd "$work/project" --stack "$STACK" django-k8s:postgresStorageSize
engine "5c. up, storage size restored" up "$work/5c-restore.jsonl"

# 6. the real API server's admission: no warnings on the stack, PodSecurity refuses a bad pod.
say "6. admission: no warnings over steps 1 to 5, PodSecurity refuses a non-compliant pod"
check warnings "$work"/1-preview.jsonl "$work"/2-up.jsonl "$work"/3-noop.jsonl "$work"/4-image.jsonl "$work"/5-replicas.jsonl
.venv/bin/python cluster/cluster_state.py podsecurity --namespace django

# 8. destroy leaves nothing; up again works.
say "8. destroy"
engine "8. destroy" destroy "$work/8-destroy.jsonl"
.venv/bin/python cluster/cluster_state.py gone --namespace django
# Kept on purpose: the database's files on the node (the PersistentVolume's reclaim policy).
# shellcheck disable=SC2016 # JavaScript in single quotes
node -e '
  const pv = require(process.argv[1]).find((r) => r.type === "kubernetes:core/v1:PersistentVolume");
  console.log(`  kept on purpose: ${pv.inputs.spec.hostPath.path} on the node (PersistentVolume ${pv.inputs.metadata.name}, reclaim policy ${pv.inputs.spec.persistentVolumeReclaimPolicy}); the object itself went with the stack`);' \
  "$work/synth-default/resources.json"
left=$(pulumi stack export --cwd "$work/project" --stack "$STACK" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).deployment.resources||[]).length))')
echo "  resources left in the stack's state: $left"
[ "$left" = 0 ] || die "destroy left $left resources in the stack's state"
say "8b. up after destroy"
engine "8b. up again after destroy" up "$work/8b-up.jsonl"
.venv/bin/python cluster/cluster_state.py ready --namespace django
engine "8c. destroy again" destroy "$work/8c-destroy.jsonl"
.venv/bin/python cluster/cluster_state.py gone --namespace django

# 7. the dev and prod stacks' objects, by a server-side dry run (after the minikube stack is gone:
# they use the same namespace).
say "7. dev and prod objects through a server-side dry run"
for stack in dev prod; do
  npx --no-install tsx scripts/synth.ts --stack "$stack" --out "$work/synth-$stack" >/dev/null
  node containers/manifests-to-json.mjs "$work/synth-$stack/manifests" >"$work/objects-$stack.json"
  timed "7. dry run of $stack's objects" .venv/bin/python cluster/cluster_state.py dry-run --objects "$work/objects-$stack.json" --label "$stack"
done

say "durations"
printf '  %s\n' "${timings[@]}"
echo "engine test: passed"
