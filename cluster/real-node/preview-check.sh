#!/usr/bin/env bash
# Two pull-request previews on the real node, with databases that really exist
# (docs/preview-lifecycle.md, "On the real node"). Run by stack-test.sh while its minikube stack
# (the parent) is up; driven by scripts/preview.ts, the lifecycle's own code:
#
#   1. pr-201 and pr-202 up side by side: each one's setup, migration and seed Jobs Succeeded
#      under the kubelet; its database and role exist on the parent's PostgreSQL, the database
#      owned by the role, the role no superuser; the demo fixture's rows in its database;
#   2. scripts/smoke-check.py against each preview's URL (a task through its own worker and its
#      own Redis database); a visit to pr-201 lands in pr_201 alone;
#   3. isolation: each preview's role, with its password, refused by the other's database and by
#      the parent's, and accepted by its own; a wrong password refused (the control);
#   4. `destroy --pr 201`: its drop Job ran and its database and role are gone; pr-202 still
#      serves with its data; `sweep --open-prs 7`: pr-202 destroyed as closed, its database gone;
#   5. the parent: the same visits before and after, no preview database or role left.
#
#   bash cluster/real-node/preview-check.sh --work-dir <project> --parent <stack> --image <app image>
#     [--figures <file>]   (its summary lines also written there, for the caller's summary)
#
# The caller's environment holds PULUMI_HOME, PULUMI_BACKEND_URL and the passphrase of the state
# where the parent lives (stack-test.sh's own); the cluster is the local one (django-k8s-local).
set -euo pipefail
cd "$(dirname "$0")/../.."

HARNESS="real-node previews"
# shellcheck source=cluster/harness.sh
source cluster/harness.sh # say, die, now, since, timed

work_dir="" parent="" image="" figures_file=/dev/null
while [ $# -gt 0 ]; do
  case $1 in
    --work-dir) work_dir=$2; shift 2 ;;
    --parent) parent=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --figures) figures_file=$2; shift 2 ;;
    *) die "unknown option '$1'; expected --work-dir, --parent, --image, --figures" ;;
  esac
done
{ [ -n "$work_dir" ] && [ -n "$parent" ] && [ -n "$image" ]; } || die "--work-dir, --parent and --image are required"
# shellcheck source=cluster/engine-env.sh
source cluster/engine-env.sh >/dev/null
kubectl() { command kubectl --context django-k8s-local "$@"; }
A=201 B=202
log=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-real-node-previews.XXXXXX")
# On a failure the previews are destroyed as far as they can be (a kept cluster, KEEP_CLUSTER=1,
# would otherwise hold their namespaces and databases into the next run) and the logs are kept.
cleanup() {
  local status=$?
  if [ "$status" = 0 ]; then rm -rf "$log"; return; fi
  for pr in $A $B; do
    npx --no-install tsx scripts/preview.ts destroy --pr "$pr" --work-dir "$work_dir" >>"$log/cleanup.log" 2>&1 || true
  done
  echo "real-node previews: logs kept in $log" >&2
}
trap cleanup EXIT
figures=()

stack_output() { pulumi stack output --cwd "$work_dir" --stack "$1" "${@:2}"; }
parent_ns=$(stack_output "$parent" namespace)
postgres_pod() { kubectl -n "$parent_ns" get pods -l app.kubernetes.io/name=postgres -o jsonpath='{.items[0].metadata.name}'; }
# As the parent's superuser, on the pod's socket, in database $1.
psql_admin() { # database sql
  # shellcheck disable=SC2016 # expanded by the pod's shell
  kubectl -n "$parent_ns" exec "$(postgres_pod)" -c postgres -- sh -c \
    'psql -X -A -t -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$(cat /run/secrets/postgres/POSTGRES_USER)" -d "$1" -c "$2"' \
    psql "$1" "$2"
}
parent_db=$(kubectl -n "$parent_ns" exec "$(postgres_pod)" -c postgres -- cat /run/secrets/postgres/POSTGRES_DB)
# The pod's own address, not loopback: initdb's pg_hba.conf trusts 127.0.0.1, while every other
# address must give the password (scram-sha-256), so connections there prove the password too.
postgres_ip=$(kubectl -n "$parent_ns" get pod "$(postgres_pod)" -o jsonpath='{.status.podIP}')
[ -n "$postgres_ip" ] || die "the parent's PostgreSQL pod has no address"
# Preview $1's database password, from its Secret.
password_of() { kubectl -n "pr-$1" get secret postgres-credentials -o jsonpath='{.data.POSTGRES_PASSWORD}' | base64 -d; }
# As role $2 with password $1 (passed on stdin, never on a command line) over TCP, in database
# $3. Prints psql's output and error; returns psql's status.
psql_as() { # password role database sql
  # shellcheck disable=SC2016 # expanded by the pod's shell
  printf '%s\n' "$1" | kubectl -n "$parent_ns" exec -i "$(postgres_pod)" -c postgres -- sh -c \
    'IFS= read -r PGPASSWORD; export PGPASSWORD; psql -X -A -t -h "$1" -U "$2" -d "$3" -c "$4" 2>&1' \
    psql "$postgres_ip" "$2" "$3" "$4" 2> >(grep -v '^command terminated with exit code' >&2)
}
preview() { # log-name preview.ts arguments...
  local name=$1
  shift
  npx --no-install tsx scripts/preview.ts "$@" --work-dir "$work_dir" >"$log/$name.log" 2>&1 \
    || { tail -n 40 "$log/$name.log" >&2; die "preview.ts $* failed (above)"; }
}
preview_databases() {
  psql_admin "$parent_db" "select string_agg(datname, ' ' order by datname) from pg_database where datname like 'pr\_%'"
}
preview_roles() {
  psql_admin "$parent_db" "select string_agg(rolname, ' ' order by rolname) from pg_roles where rolname like 'pr\_%'"
}
seed_rows=$(node -p 'require("./app/demo/fixtures/demo_seed.json").filter((o) => o.model === "demo.visit").length')
visits_parent_before=$(psql_admin "$parent_db" "select count(*) || ' max ' || coalesce(max(id), 0) from demo_visit")
# Assigned before they are tested: a failed query stops the script instead of reading as empty.
databases=$(preview_databases)
roles=$(preview_roles)
[ -z "$databases$roles" ] || die "preview databases '$databases' or roles '$roles' exist before any preview"

# --- 1. two previews ---------------------------------------------------------------------------------
say "1. pr-$A and pr-$B up side by side (scripts/preview.ts up, parent $parent)"
for pr in $A $B; do
  started=$(now)
  preview "up-$pr" up --pr "$pr" --parent "$parent" --config "image=$image"
  grep -E '^engine up:|^  create|url:' "$log/up-$pr.log" | sed 's/^/  /'
  echo "  pr-$pr up in $(since "$started") s"
  for job in database-setup "$(stack_output "pr-$pr" migrationJob)" "$(stack_output "pr-$pr" seedJob)"; do
    kubectl -n "pr-$pr" wait --for=condition=complete "job/$job" --timeout=180s >/dev/null \
      || { kubectl -n "pr-$pr" get pods; die "pr-$pr's Job $job did not complete"; }
    echo "  pr-$pr Job $job: Succeeded ($(kubectl -n "pr-$pr" get job "$job" -o jsonpath='{.status.succeeded}') pod)"
  done
done
say "   their databases on the parent's PostgreSQL"
for pr in $A $B; do
  owner=$(psql_admin "$parent_db" "select pg_get_userbyid(datdba) from pg_database where datname = 'pr_$pr'")
  super=$(psql_admin "$parent_db" "select rolsuper from pg_roles where rolname = 'pr_$pr'")
  seeded=$(psql_admin "pr_$pr" "select count(*) from demo_visit where user_agent like 'demo seed: %'")
  echo "  database pr_$pr: owner '$owner', owner superuser '$super'; demo fixture rows $seeded of $seed_rows"
  [ "$owner" = "pr_$pr" ] || die "database pr_$pr is owned by '$owner', not its role pr_$pr"
  [ "$super" = f ] || die "role pr_$pr is a superuser ('$super')"
  [ "$seeded" = "$seed_rows" ] || die "pr_$pr holds $seeded of the fixture's $seed_rows rows"
done
databases=$(preview_databases)
roles=$(preview_roles)
figures+=("previews: databases $databases, roles $roles, each seeded with $seed_rows rows")

# --- 2. each preview serves, from its own data ---------------------------------------------------------
say "2. each preview's smoke check, and a visit to pr-$A"
for pr in $A $B; do
  url=$(stack_output "pr-$pr" url)
  .venv/bin/python scripts/smoke-check.py "$url" --timeout 120 | sed 's/^/  /' \
    || die "the smoke check failed against pr-$pr at $url"
done
url_a=$(stack_output "pr-$A" url)
agent="real-node-preview-check-$(openssl rand -hex 4)"
curl -fsS -o /dev/null --max-time 10 -A "$agent" "$url_a/" || die "GET / on pr-$A failed"
count_agent() { psql_admin "$1" "select count(*) from demo_visit where user_agent = '$agent'"; }
in_a=$(count_agent "pr_$A")
in_b=$(count_agent "pr_$B")
in_parent=$(count_agent "$parent_db")
echo "  the visit to pr-$A ($agent): pr_$A $in_a, pr_$B $in_b, the parent's $in_parent"
[ "$in_a/$in_b/$in_parent" = "1/0/0" ] || die "the visit to pr-$A landed as pr_$A $in_a, pr_$B $in_b, parent $in_parent (1/0/0 expected)"

# --- 3. isolation --------------------------------------------------------------------------------------
say "3. each role, with its password, against the others' databases"
refused=0 tried=0
cross() { # pr database expect(ok|refused)
  local password out status=0
  password=$(password_of "$1")
  [ -n "$password" ] || die "pr-$1's Secret postgres-credentials has no password"
  out=$(psql_as "$password" "pr_$1" "$2" "select current_user || ' in ' || current_database()") || status=$?
  tried=$((tried + 1))
  if [ "$3" = ok ]; then
    [ "$status" = 0 ] || die "role pr_$1 could not connect to its own database $2: $out"
    echo "  pr_$1 -> $2: connected ($out)"
  else
    [ "$status" != 0 ] || die "role pr_$1 connected to $2, which is not its own: $out"
    grep -q 'permission denied for database' <<<"$out" || die "role pr_$1 -> $2 failed, but not by permission: $out"
    refused=$((refused + 1))
    echo "  pr_$1 -> $2: refused ($(grep -o 'permission denied for database.*' <<<"$out" | head -n 1))"
  fi
}
cross $A "pr_$A" ok
cross $B "pr_$B" ok
cross $A "pr_$B" refused
cross $B "pr_$A" refused
cross $A "$parent_db" refused
cross $B "$parent_db" refused
# The control: the server checks the password on this address.
status=0
out=$(psql_as "not-the-password-$(openssl rand -hex 4)" "pr_$A" "pr_$A" "select 1") || status=$?
grep -q 'password authentication failed' <<<"$out" || die "pr_$A with a wrong password: status $status, '$out' (refused by password expected)"
echo "  pr_$A -> pr_$A with a wrong password: refused ($(grep -o 'password authentication failed.*' <<<"$out" | head -n 1))"
figures+=("previews: connections to another's database refused $refused of $((tried - 2)), own database accepted 2 of 2, a wrong password refused")

# --- 4. destroy, sweep ---------------------------------------------------------------------------------
say "4. destroy pr-$A (its dropDatabaseCommand first), then sweep with PR 7 the only open one"
preview "destroy-$A" destroy --pr "$A"
grep -E 'dropDatabaseCommand|^engine destroy:|destroyed and removed' "$log/destroy-$A.log" | sed 's/^/  /'
databases=$(preview_databases)
roles=$(preview_roles)
echo "  after: databases '$databases', roles '$roles'"
[ "$databases/$roles" = "pr_$B/pr_$B" ] || die "after destroying pr-$A the preview databases are '$databases' and roles '$roles' (pr_$B expected)"
.venv/bin/python scripts/smoke-check.py "$(stack_output "pr-$B" url)" --timeout 60 >/dev/null \
  || die "pr-$B stopped serving when pr-$A was destroyed"
seeded=$(psql_admin "pr_$B" "select count(*) from demo_visit where user_agent like 'demo seed: %'")
[ "$seeded" = "$seed_rows" ] || die "pr_$B holds $seeded of $seed_rows rows after pr-$A was destroyed"
preview sweep sweep --open-prs 7
grep -E '^sweep:|dropDatabaseCommand|^engine destroy:|destroyed and removed|^found' "$log/sweep.log" | sed 's/^/  /'
grep -qx "found 1 expired 0 closed 1 destroyed 1" "$log/sweep.log" || die "sweep --open-prs 7: unexpected counts"
databases=$(preview_databases)
roles=$(preview_roles)
echo "  after: databases '$databases', roles '$roles'"
[ -z "$databases$roles" ] || die "the sweep left databases '$databases' or roles '$roles'"
for pr in $A $B; do
  phase=$(kubectl get namespace "pr-$pr" -o jsonpath='{.status.phase}' 2>/dev/null || true)
  { [ -z "$phase" ] || [ "$phase" = Terminating ]; } || die "pr-$pr's namespace is still $phase"
done
figures+=("previews: destroy and sweep dropped 2 databases and 2 roles; 0 left")

# --- 5. the parent ---------------------------------------------------------------------------------------
say "5. the parent's data"
visits_parent_after=$(psql_admin "$parent_db" "select count(*) || ' max ' || coalesce(max(id), 0) from demo_visit")
echo "  the parent's demo_visit: before the previews $visits_parent_before, after $visits_parent_after"
[ "$visits_parent_before" = "$visits_parent_after" ] || die "the parent's visits changed: $visits_parent_before -> $visits_parent_after"
figures+=("previews: the parent's visits $visits_parent_after before and after")
printf '  %s\n' "${figures[@]}"
printf '%s\n' "${figures[@]}" >"$figures_file"
echo "real-node previews: passed in ${SECONDS} s"
