#!/usr/bin/env bash
# The preview lifecycle (docs/preview-lifecycle.md) with the real engine against the local
# control plane (cluster/local-cluster.sh), driven by scripts/preview.ts itself:
#   1. the parent (minikube, previewMax=2) up; its state and objects recorded;
#   2. two previews up side by side (pr-101, pr-102), each in its own namespace;
#   3. a third (pr-103) refused by the cap, naming the running ones; a push to pr-102 (renewal)
#      allowed at the cap and moving its expiry;
#   4. `sweep --now <just after pr-101's expiry>`: pr-101 destroyed as expired (its
#      dropDatabaseCommand first), pr-102 kept;
#   5. `sweep --open-prs 7`: pr-102 destroyed as closed;
#   6. the parent unchanged: the same state (every resource's inputs and outputs) and the same
#      objects (uid and resourceVersion) as before the previews.
# Counts are printed at each step. The program is the repository's once its Pulumi.yaml declares
# previewParent, else the stand-in cluster/preview-standin/ (PREVIEW_PROGRAM=repo|standin
# overrides, as for scripts/preview.ts). Run it under the machine's cluster lock:
#   flock /tmp/django-k8s-cluster.lock bash cluster/preview-lifecycle-test.sh
# State, passphrase and plugins live in a temporary folder removed at the end; the cluster is
# stopped at the end (KEEP_CLUSTER=1 leaves it up).
set -euo pipefail
cd "$(dirname "$0")/.."

HARNESS="preview lifecycle"
# shellcheck source=cluster/harness.sh
source cluster/harness.sh # say, die

[ "$(id -u)" = 0 ] || die "the test starts a local control plane (its state under /var/lib); run it as root"
[ -d node_modules ] || die "node_modules is missing: npm ci --ignore-scripts"
PARENT=minikube

# --- which program: the same choice scripts/preview.ts makes --------------------------------------
if [ -z "${PREVIEW_PROGRAM:-}" ]; then
  if node -e 'process.exit(/^  previewParent:/m.test(require("fs").readFileSync("Pulumi.yaml", "utf8")) ? 0 : 1)'; then
    PREVIEW_PROGRAM=repo
  else
    PREVIEW_PROGRAM=standin
  fi
fi
export PREVIEW_PROGRAM
# A preview's namespace: its stack name in the program, standin-<stack> in the stand-in.
case "$PREVIEW_PROGRAM" in
  repo) program_dir=. ns_prefix="" ;;
  standin) program_dir=cluster/preview-standin ns_prefix=standin- ;;
  *) die "PREVIEW_PROGRAM: got '$PREVIEW_PROGRAM'; expected repo or standin" ;;
esac
ns_of() { echo "$ns_prefix$1"; }
say "program: $PREVIEW_PROGRAM ($program_dir)"

# --- tools, this run's Pulumi home, state and passphrase ---------------------------------------------
# The tools on PATH and the plugin installer, as the engine test has them.
# shellcheck source=cluster/engine-env.sh
source cluster/engine-env.sh
kubectl() { command kubectl --context django-k8s-local "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-previews.XXXXXX")
cluster_started=""
cleanup() {
  if [ -n "$cluster_started" ] && [ -z "${KEEP_CLUSTER:-}" ]; then bash cluster/local-cluster.sh down >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
engine_workspace "$work"

say "local control plane"
cluster_started=1
bash cluster/local-cluster.sh up >"$work/cluster.log" 2>&1 || { tail -n 30 "$work/cluster.log" >&2; die "the local cluster did not start"; }
eval "$(bash cluster/local-cluster.sh env)"

# --- 1. the parent ---------------------------------------------------------------------------------
cp "$program_dir/Pulumi.yaml" "$work/project/"
extra_config=()
if [ "$PREVIEW_PROGRAM" = repo ]; then
  cp "Pulumi.$PARENT.yaml" "$work/project/"
  npx --no-install tsx scripts/synth.ts --stack "$PARENT" --out "$work/synth" >/dev/null
  app_image=$(node -e 'const r = require(process.argv[1]);
    console.log(r.find((x) => x.type === "kubernetes:apps/v1:Deployment" && x.name === "django-web").inputs.spec.template.spec.containers[0].image);' "$work/synth/resources.json")
  extra_config=(--config "image=$app_image")
fi
pulumi stack init "$PARENT" --cwd "$work/project" >/dev/null
pconfig() { pulumi config set --cwd "$work/project" --stack "$PARENT" "django-k8s:$1" "$2"; }
pconfig kubeContext django-k8s-local
pconfig previewMax 2
[ "$PREVIEW_PROGRAM" = repo ] && pconfig image "$app_image"
say "1. parent $PARENT up (previewMax 2)"
npx --no-install tsx cluster/engine.ts up --stack "$PARENT" --work-dir "$work/project" \
  --program "$program_dir/index.ts" >"$work/parent-up.log" 2>&1 || { tail -n 40 "$work/parent-up.log" >&2; die "the parent's up failed"; }
grep -A3 '^engine up:' "$work/parent-up.log" | sed 's/^/  /'
parent_state() { # the parent's resources as the engine holds them, and its objects as the API server does
  pulumi stack export --cwd "$work/project" --stack "$PARENT" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const rs = JSON.parse(s).deployment.resources || [];
      console.log(JSON.stringify(rs.map((r) => ({ urn: r.urn, inputs: r.inputs, outputs: r.outputs })), null, 1)); })'
}
parent_objects() {
  local ns
  ns=$(pulumi stack output --cwd "$work/project" --stack "$PARENT" namespace 2>/dev/null || echo django)
  kubectl get namespace "$ns" -o jsonpath='{.metadata.uid} {.metadata.resourceVersion}{"\n"}'
  kubectl -n "$ns" get configmaps,secrets,services,deployments,statefulsets,jobs -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort
}
parent_state >"$work/parent-before.json"
parent_objects >"$work/parent-objects-before.txt"
echo "  parent: $(node -p "require('$work/parent-before.json').length") resources in state, $(wc -l <"$work/parent-objects-before.txt") objects recorded"

preview() { # log-name preview.ts arguments...
  local log=$work/$1.log
  shift
  npx --no-install tsx scripts/preview.ts "$@" --work-dir "$work/project" >"$log" 2>&1
}
expires_of() { grep -o "^[A-Za-z]* *$1 (PR #[0-9]*): last update [^,]*, expires [^,]*" "$work/list.log" | sed 's/.*expires //'; }
namespaces() { # active preview namespaces
  kubectl get namespaces --field-selector status.phase=Active -o name | sed 's|namespace/||' | grep -c -- "-pr-\|^pr-" || true
}

# --- 2. two previews ---------------------------------------------------------------------------------
say "2. two previews side by side"
for pr in 101 102; do
  preview "up-$pr" up --pr "$pr" --parent "$PARENT" "${extra_config[@]}" || { tail -n 40 "$work/up-$pr.log" >&2; die "pr-$pr up failed"; }
  grep -E '^engine up:|url:' "$work/up-$pr.log" | sed 's/^/  /'
  kubectl get namespace "$(ns_of "pr-$pr")" >/dev/null || die "pr-$pr's namespace $(ns_of "pr-$pr") is missing"
done
preview list list
running=$(grep -c '^running' "$work/list.log" || true)
echo "  previews running: $running; preview namespaces: $(namespaces)"
[ "$running" = 2 ] || die "expected 2 running previews, found $running"

# --- 3. the cap ------------------------------------------------------------------------------------
say "3. a third preview refused by the cap; a push to a running one renews it"
status=0
preview up-103 up --pr 103 --parent "$PARENT" "${extra_config[@]}" || status=$?
[ "$status" = 3 ] || { cat "$work/up-103.log" >&2; die "pr-103 up: exit $status, expected 3 (refused by the cap)"; }
sed -n '/refused/,/Close one/p' "$work/up-103.log" | sed 's/^/  /'
for pr in 101 102; do
  grep -q "pr-$pr (PR #$pr)" "$work/up-103.log" || die "the refusal does not name the running pr-$pr"
done
if pulumi stack ls --cwd "$work/project" | grep -q '^pr-103'; then die "a refused preview left a stack"; fi
before=$(expires_of pr-102)
preview up-102b up --pr 102 --parent "$PARENT" "${extra_config[@]}" || { tail -n 40 "$work/up-102b.log" >&2; die "pr-102's second up failed"; }
preview list list
after=$(expires_of pr-102)
echo "  pr-102 expiry: $before -> $after"
[[ "$after" > "$before" ]] || die "a push did not renew pr-102's expiry"

# --- 4. the expired one ----------------------------------------------------------------------------
say "4. sweep just after pr-101's expiry"
expiry=$(expires_of pr-101)
later=$(node -p "new Date(new Date('$expiry').getTime() + 1000).toISOString()")
preview sweep-expired sweep --now "$later" || { cat "$work/sweep-expired.log" >&2; die "the sweep failed"; }
grep -E '^sweep:|dropDatabaseCommand|" deleted|^engine destroy:|destroyed and removed|^found' "$work/sweep-expired.log" | sed 's/^/  /'
grep -qx "found 2 expired 1 closed 0 destroyed 1" "$work/sweep-expired.log" || die "sweep at $later: unexpected counts"
drop_line=$(grep -n 'pr-101: dropDatabaseCommand' "$work/sweep-expired.log" | cut -d: -f1)
destroy_line=$(grep -n '^engine destroy:' "$work/sweep-expired.log" | head -n 1 | cut -d: -f1)
if [ -z "$drop_line" ] || [ -z "$destroy_line" ] || [ "$drop_line" -gt "$destroy_line" ]; then
  die "pr-101's database was not dropped before its destroy"
fi
# The stand-in's drop deletes its database ConfigMap: kubectl says so (the program's own drop
# is a Job of its own, checked by the program's tests).
if [ "$PREVIEW_PROGRAM" = standin ]; then
  grep -q 'configmap "database" deleted' "$work/sweep-expired.log" || die "pr-101's dropDatabaseCommand deleted nothing"
fi
if kubectl get namespace "$(ns_of pr-101)" -o name 2>/dev/null | grep -q .; then
  phase=$(kubectl get namespace "$(ns_of pr-101)" -o jsonpath='{.status.phase}')
  [ "$phase" = Terminating ] || die "pr-101's namespace is still there ($phase)"
fi

# --- 5. the closed one -----------------------------------------------------------------------------
say "5. sweep with the open pull requests: pr-102's is closed"
preview sweep-closed sweep --open-prs 7 || { cat "$work/sweep-closed.log" >&2; die "the sweep failed"; }
grep -E '^sweep:|^engine destroy:|destroyed and removed|^found' "$work/sweep-closed.log" | sed 's/^/  /'
grep -qx "found 1 expired 0 closed 1 destroyed 1" "$work/sweep-closed.log" || die "sweep --open-prs 7: unexpected counts"
preview list list
grep -qx "found 0" "$work/list.log" || die "previews are left: $(cat "$work/list.log")"
left=$(namespaces)
echo "  previews left: 0; active preview namespaces left: $left"
[ "$left" = 0 ] || die "$left preview namespaces are still active"

# --- 6. the parent ---------------------------------------------------------------------------------
say "6. the parent untouched"
parent_state >"$work/parent-after.json"
parent_objects >"$work/parent-objects-after.txt"
diff -u "$work/parent-before.json" "$work/parent-after.json" || die "the parent's state changed"
diff -u "$work/parent-objects-before.txt" "$work/parent-objects-after.txt" || die "the parent's objects changed"
echo "  parent: $(node -p "require('$work/parent-after.json').length") resources, $(wc -l <"$work/parent-objects-after.txt") objects, identical before and after"
npx --no-install tsx cluster/engine.ts destroy --stack "$PARENT" --work-dir "$work/project" \
  --program "$program_dir/index.ts" >"$work/parent-destroy.log" 2>&1 || { tail -n 30 "$work/parent-destroy.log" >&2; die "the parent's destroy failed"; }
echo "preview lifecycle test: passed in ${SECONDS} s (program $PREVIEW_PROGRAM: 2 up, 1 refused, 1 renewed, 1 expired destroyed, 1 closed destroyed, parent unchanged)"
