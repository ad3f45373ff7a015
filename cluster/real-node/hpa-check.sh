#!/usr/bin/env bash
# The stack's web HorizontalPodAutoscaler for real, on the local cluster's real node
# (docs/local-cluster.md, "The HorizontalPodAutoscaler on the real node"):
#
#   1. the minikube stack up on the real node (scripts/local-up.sh: the cluster, the app image,
#      `pulumi up` with the real engine)
#   2. metrics-server (tools/metrics-server, built by cluster/tools.sh) started here as a host
#      process serving on the bridge's address; its client certificate, RBAC, a Service without
#      selector and an EndpointSlice at that address behind the v1beta1.metrics.k8s.io APIService
#   3. a bounded load on the web NodePort (stack_checks.py load): web must scale up
#   4. quiet: web must come back down to its minimum (scale-down stabilization 300 s, no config
#      key shortens it, so this waits for it)
#
# Prints `t=<s> replicas=<n> cpu=<m>` every 10 s (t from the start of the load; cpu the web pods'
# total usage from the metrics API, util the HPA's average against the request). Exits non-zero
# when web does not scale up within HPA_UP_BOUND seconds of load (default 240) or does not come
# back to its minimum within HPA_DOWN_BOUND seconds after the load stops (default 660).
# Everything it started stops at the end: metrics-server, the stack (destroy), the cluster
# (down, checked by down-check.sh). Root, on Linux; not part of scripts/test-all.sh (about
# 10 minutes, most of it the 300 s stabilization). Use the cluster under its lock:
#
#   flock /tmp/django-k8s-cluster.lock bash cluster/real-node/hpa-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '\n==> hpa-check: %s\n' "$*"; }
die() { printf 'hpa-check: FAILED: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

LOAD_RATE=${HPA_LOAD_RATE:-20}      # requests/s on / (each one a page render and a database write)
UP_BOUND=${HPA_UP_BOUND:-240}       # seconds of load within which web must have scaled up
LOAD_AFTER_UP=${HPA_LOAD_AFTER_UP:-30} # load kept this long after the first scale-up
DOWN_BOUND=${HPA_DOWN_BOUND:-660}   # seconds after the load within which web must be back at its minimum
# metrics-server's port on the bridge address, beside the cluster's other 16xxx ports.
METRICS_PORT=16262

{ [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ]; } || die "the real node runs on Linux as root"
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
PKI=$STATE/pki
# shellcheck source=cluster/real-node/node.sh
source cluster/real-node/node.sh # CLUSTER_DNS_IP (the bridge's address)
# shellcheck source=cluster/tools.sh
source cluster/tools.sh
METRICS_BIN=$(tool_bin metrics-server)
[ -z "$(ss -Hltn "sport = :$METRICS_PORT")" ] || die "port $METRICS_PORT is taken: $(ss -Hltnp "sport = :$METRICS_PORT")"

work=$(mktemp -d "${TMPDIR:-/tmp}/django-k8s-hpa-check.XXXXXX")
metrics_pid=""
load_pid=""
stack_up=""
cleanup() {
  local status=$?
  trap - EXIT
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  # The APIService goes before metrics-server: an unavailable aggregated API fails discovery,
  # and the namespace controller would then never finish deleting the stack's namespace.
  if [ -n "$stack_up" ]; then
    kubectl delete apiservice v1beta1.metrics.k8s.io --ignore-not-found --wait=true >/dev/null 2>&1 || true
  fi
  if [ -n "$metrics_pid" ]; then
    kill "$metrics_pid" 2>/dev/null || true
    wait "$metrics_pid" 2>/dev/null || true
  fi
  if [ -n "$stack_up" ]; then
    say "the stack destroyed, the cluster down"
    bash scripts/local-up.sh --down || status=1
    bash cluster/real-node/down-check.sh || status=1
    [ -z "$(ss -Hltn "sport = :$METRICS_PORT")" ] || { echo "hpa-check: port $METRICS_PORT still listened on" >&2; status=1; }
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1: the stack -------------------------------------------------------------------------------
say "1. the minikube stack on the real node (scripts/local-up.sh)"
started=$(now)
stack_up=1
bash scripts/local-up.sh
up_seconds=$(since "$started")
eval "$(bash cluster/local-cluster.sh env)"
kubectl() { command kubectl --context django-k8s-local "$@"; }
ns=$(kubectl get hpa -A -l app.kubernetes.io/component=web -o jsonpath='{.items[0].metadata.namespace}')
hpa=$(kubectl -n "$ns" get hpa -l app.kubernetes.io/component=web -o jsonpath='{.items[0].metadata.name}')
deployment=$(kubectl -n "$ns" get hpa "$hpa" -o jsonpath='{.spec.scaleTargetRef.name}')
min=$(kubectl -n "$ns" get hpa "$hpa" -o jsonpath='{.spec.minReplicas}')
max=$(kubectl -n "$ns" get hpa "$hpa" -o jsonpath='{.spec.maxReplicas}')
target=$(kubectl -n "$ns" get hpa "$hpa" -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}')
web_url=http://127.0.0.1:$(kubectl -n "$ns" get service -l app.kubernetes.io/component=web -o jsonpath='{.items[0].spec.ports[0].nodePort}')
echo "  HPA $ns/$hpa on deployment $deployment: $min to $max replicas at $target % CPU; web at $web_url"

# --- 2: metrics-server ----------------------------------------------------------------------------
# shellcheck source=cluster/real-node/metrics-server.sh
source cluster/real-node/metrics-server.sh
say "2. metrics-server $(sed -n 1p tools/metrics-server/VERSION) on $CLUSTER_DNS_IP:$METRICS_PORT"
started=$(now)
metrics_server_pki "$PKI" "$work"
kubectl apply -f - <<<"$(metrics_server_objects "$PKI/ca.crt" "$CLUSTER_DNS_IP" "$METRICS_PORT")" >/dev/null
metrics_server_start "$METRICS_BIN" "$work" "$CLUSTER_DNS_IP" "$METRICS_PORT"
metrics_pid=$!
waited=$(now)
until [ -n "$(kubectl top pods -n "$ns" -l app.kubernetes.io/component=web --no-headers 2>/dev/null)" ]; do
  kill -0 "$metrics_pid" 2>/dev/null || { tail -n 30 "$work/metrics-server.log" >&2; die "metrics-server exited (log above)"; }
  [ "$(since "$waited")" -lt 120 ] || { tail -n 30 "$work/metrics-server.log" >&2; kubectl get apiservice v1beta1.metrics.k8s.io -o yaml >&2; die "no web pod metrics from metrics.k8s.io after 120 s"; }
  sleep 2
done
metrics_seconds=$(since "$started")
echo "  metrics.k8s.io serving the web pods' usage $metrics_seconds s after start:"
kubectl top pods -n "$ns" | sed 's/^/    /'

# One line: seconds since the load began, the deployment's replicas, the web pods' CPU (m) and
# the HPA's view of it.
replicas() { kubectl -n "$ns" get deployment "$deployment" -o jsonpath='{.status.replicas}'; }
sample() { # t
  local cpu util
  cpu=$(kubectl top pods -n "$ns" -l app.kubernetes.io/component=web --no-headers 2>/dev/null | awk '{ sub(/m$/, "", $2); s += $2 } END { print s + 0 }')
  util=$(kubectl -n "$ns" get hpa "$hpa" -o jsonpath='{.status.currentMetrics[0].resource.current.averageUtilization}')
  printf 't=%s replicas=%s cpu=%sm util=%s%%\n' "$1" "$(replicas)" "$cpu" "${util:-?}" | tee -a "$work/samples"
}

# --- 3: load -------------------------------------------------------------------------------------
say "3. load: $LOAD_RATE requests/s on $web_url/ (web must exceed $min replicas within $UP_BOUND s)"
.venv/bin/python cluster/real-node/stack_checks.py load --url "$web_url/" --rate "$LOAD_RATE" --stop-file "$work/load.stop" >"$work/load.log" 2>&1 &
load_pid=$!
load_started=$(now)
up_at=""
peak=$min
while :; do
  t=$(since "$load_started")
  sample "$t"
  n=$(replicas)
  [ "$n" -le "$peak" ] || peak=$n
  if [ -z "$up_at" ] && [ "$n" -gt "$min" ]; then up_at=$t; fi
  if [ -n "$up_at" ] && [ "$t" -ge $((up_at + LOAD_AFTER_UP)) ]; then break; fi
  if [ -z "$up_at" ] && [ "$t" -ge "$UP_BOUND" ]; then break; fi
  sleep 10
done
touch "$work/load.stop"
wait "$load_pid" || true
load_pid=""
load_seconds=$(since "$load_started")
echo "  $(head -n 1 "$work/load.log")"
[ -n "$up_at" ] || die "web stayed at $min replica(s) after $UP_BOUND s of $LOAD_RATE requests/s"

# --- 4: quiet ------------------------------------------------------------------------------------
say "4. no load: web back to $min replica(s) within $DOWN_BOUND s (the HPA's scale-down stabilization is 300 s)"
down_at=""
while :; do
  t=$(since "$load_started")
  sample "$t"
  quiet=$((t - load_seconds))
  if [ "$(replicas)" -le "$min" ]; then down_at=$quiet; break; fi
  [ "$quiet" -lt "$DOWN_BOUND" ] || break
  sleep 10
done
[ -n "$down_at" ] || die "web still at $(replicas) replicas $DOWN_BOUND s after the load stopped"

say "figures"
echo "  stack up (local-up.sh) $up_seconds s; metrics.k8s.io answering $metrics_seconds s after metrics-server's start"
echo "  load $LOAD_RATE req/s for $load_seconds s: web $min -> $peak replicas, first scale-up at t=$up_at s"
echo "  back to $min replica(s) $down_at s after the load stopped"
echo "hpa-check: passed"
