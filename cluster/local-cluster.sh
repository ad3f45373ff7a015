#!/usr/bin/env bash
# A single-node Kubernetes control plane on 127.0.0.1, for the engine test and for trying the
# program against a real API server without minikube or a container runtime (docs/local-cluster.md):
#
#   bash cluster/local-cluster.sh up              start it (or say it is up); prints its timing
#   bash cluster/local-cluster.sh up --real-node  the same with a real node instead of kwok's:
#                                                 containerd, runc, CNI and a kubelet on this
#                                                 machine (LOCAL_CLUSTER_NODE=real says the same;
#                                                 cluster/real-node/, docs "Real node")
#   bash cluster/local-cluster.sh down [--keep]   stop every process it started; --keep leaves
#                                                 the state (certificates, etcd data) for the next up
#   eval "$(bash cluster/local-cluster.sh env)"   KUBECONFIG (context django-k8s-local) and kubectl on PATH
#   bash cluster/local-cluster.sh status          what runs
#
# etcd, kube-apiserver (https://127.0.0.1:16443, PodSecurity admission on),
# kube-controller-manager (service-account tokens, the hostPath provisioner), kube-scheduler and
# kwok, which plays the one node (cluster/local-node.yaml) and moves pods through the stages in
# cluster/kwok-stages.yaml: no container ever runs. The binaries come from cluster/tools.sh
# (built from the Go modules pinned in tools/ once per machine). State and logs live in
# LOCAL_CLUSTER_DIR (default /var/lib/django-k8s/local-cluster); LOCAL_CLUSTER_API_PORT moves the
# API server off 16443 where that port is taken. Runs as root, without systemd: every process is
# started here, in its own session, and remembered by a pid file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
API_PORT=${LOCAL_CLUSTER_API_PORT:-16443}
# The other components' ports, away from the usual ones (2379, 10257, 10259) so a real cluster on
# this machine and this one do not collide; loopback only.
ETCD_PORT=16379
ETCD_PEER_PORT=16380
CONTROLLER_MANAGER_PORT=16257
SCHEDULER_PORT=16259
KWOK_PORT=16247
CONTEXT=django-k8s-local
NODE=django-k8s-local-node # metadata.name in cluster/local-node.yaml
# The Service network: only cluster IPs the API server hands out; nothing routes them here.
SERVICE_CIDR=10.96.0.0/16
SERVICE_API_IP=10.96.0.1
# The pod IPs kwok writes into pod status, so Services get endpoints; never routed either.
POD_CIDR=10.244.0.0/16
# Start order; `down` stops them in reverse. The node is kwok's (simulated, the default) or real
# (containerd and a kubelet, cluster/real-node/node.sh); `up` records which in $STATE/node-mode,
# so `down` and `status` know.
NODE_MODE=${LOCAL_CLUSTER_NODE:-kwok}
CONTROL_PLANE=(etcd kube-apiserver kube-controller-manager kube-scheduler)
set_components() {
  case $NODE_MODE in
    kwok) COMPONENTS=("${CONTROL_PLANE[@]}" kwok) ;;
    real) COMPONENTS=("${CONTROL_PLANE[@]}" containerd dnsmasq node-sync kubelet kube-proxy) ;;
    *) die "LOCAL_CLUSTER_NODE is kwok or real, not '$NODE_MODE'" ;;
  esac
}

PKI=$STATE/pki
LOGS=$STATE/logs
RUN=$STATE/run
KUBECONFIG_FILE=$STATE/kubeconfig
MARKER=$STATE/.django-k8s-local-cluster # only a folder holding it is ever removed by `down`
# shellcheck source=cluster/real-node/node.sh
source "$ROOT/cluster/real-node/node.sh"

say() { printf 'local-cluster: %s\n' "$*"; }
die() {
  printf 'local-cluster: ERROR: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- the binaries ------------------------------------------------------------------------------

# The bin folder of each tool, from the cache or built now (a cold Kubernetes build takes a while:
# cluster/tools.sh says so). The Kubernetes one is kept in the state folder for `env`.
resolve_binaries() {
  # shellcheck source=cluster/tools.sh
  source "$ROOT/cluster/tools.sh"
  ETCD_BIN=$(tool_bin etcd)
  KUBE_BIN=$(tool_bin kubernetes)
  KWOK_BIN=$(tool_bin kwok)
  printf '%s\n' "$KUBE_BIN" >"$STATE/kubernetes-bin"
}

binary_of() { # component
  case $1 in
    etcd) echo "$ETCD_BIN/etcd" ;;
    kwok) echo "$KWOK_BIN/kwok" ;;
    containerd) echo "$CONTAINERD" ;;
    dnsmasq) echo "$DNSMASQ" ;;
    node-sync) echo "$ROOT/cluster/real-node/node-sync.sh" ;;
    *) echo "$KUBE_BIN/$1" ;;
  esac
}

kubectl_admin() { "$KUBE_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" "$@"; }

# --- processes ---------------------------------------------------------------------------------

pid_of() { cut -d' ' -f1 "$RUN/$1.pid" 2>/dev/null || true; }

# A process's start time (in clock ticks since boot) and state, from /proc/<pid>/stat (the fields
# after the command name, which is in parentheses).
proc_field() { # pid field-after-the-name
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  printf '%s\n' "${stat##*) }" | cut -d' ' -f"$2"
}

# Ours means: the pid in the file is there and started when the one we started did (a pid left
# from before a reboot may belong to something else by now, which must never be signalled).
# Running means ours and not a zombie: an exited process stays a zombie until its parent, the
# machine's init once `up` has returned, reaps it, and `down` waits for that too, so nothing of
# ours is left in the process table.
is_ours() { # component
  local pid started
  [ -f "$RUN/$1.pid" ] || return 1
  read -r pid started <"$RUN/$1.pid"
  [ -n "$pid" ] && [ "$(proc_field "$pid" 20)" = "$started" ]
}
is_running() { is_ours "$1" && [ "$(proc_field "$(pid_of "$1")" 1)" != Z ]; }

# Started in its own session (setsid), so a Ctrl-C or the end of the calling shell's process
# group does not take the control plane down with it; `down` is what stops it.
start_component() { # component args...
  local name=$1 pid
  shift
  printf '\n=== %s: started %s\n' "$name" "$(date -u +%FT%TZ)" >>"$LOGS/$name.log"
  setsid "$(binary_of "$name")" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  pid=$!
  printf '%s %s\n' "$pid" "$(proc_field "$pid" 20)" >"$RUN/$name.pid"
}

# TERM, then wait until each is gone from the process table (KILL after 30 s); the pid file goes
# with it. A zombie its parent does not reap within 60 s is reported, not waited for forever.
stop_components() { # component...
  local name waited=0 left
  for name in "$@"; do
    if is_running "$name"; then kill -TERM "$(pid_of "$name")"; fi
  done
  while :; do
    left=()
    for name in "$@"; do
      if is_ours "$name"; then left+=("$name"); else rm -f "$RUN/$name.pid"; fi
    done
    [ "${#left[@]}" -gt 0 ] || return 0
    if [ "$waited" = 300 ]; then
      for name in "${left[@]}"; do
        if is_running "$name"; then
          say "$name (pid $(pid_of "$name")) did not stop in 30 s: KILL"
          kill -KILL "$(pid_of "$name")" 2>/dev/null || true
        fi
      done
    fi
    if [ "$waited" -ge 600 ]; then
      for name in "${left[@]}"; do say "$name (pid $(pid_of "$name")) has exited but is not reaped yet"; done
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Waits until a check passes, watching that the components it depends on are still alive, so a
# crash shows at once with its log rather than as a timeout.
wait_for() { # what timeout-seconds "component ..." check...
  local what=$1 timeout=$2 watched=$3 started name
  shift 3
  started=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    for name in $watched; do
      if ! is_running "$name"; then
        tail -n 30 "$LOGS/$name.log" >&2
        die "$name exited while waiting for $what (log above: $LOGS/$name.log)"
      fi
    done
    if [ $(($(date +%s) - started)) -ge "$timeout" ]; then
      for name in $watched; do tail -n 15 "$LOGS/$name.log" >&2; done
      die "$what: not after $timeout s (logs in $LOGS)"
    fi
    sleep 0.2
  done
}

# Refuses to start on a port something else listens on (another cluster, a minikube tunnel): the
# components would fail with an unclear "address already in use" deep in their logs.
check_ports_free() {
  local port taken
  local ports=("$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$CONTROLLER_MANAGER_PORT" "$SCHEDULER_PORT")
  if [ "$NODE_MODE" = real ]; then
    ports+=("$KUBELET_PORT" "$KUBELET_HEALTHZ_PORT" "$KUBE_PROXY_HEALTHZ_PORT" "$KUBE_PROXY_METRICS_PORT")
  else
    ports+=("$KWOK_PORT")
  fi
  for port in "${ports[@]}"; do
    taken=$(ss -Hltnp "sport = :$port" 2>/dev/null || true)
    [ -z "$taken" ] || die "127.0.0.1:$port is taken: $taken (LOCAL_CLUSTER_API_PORT moves the API server)"
  done
}

# --- certificates and kubeconfigs --------------------------------------------------------------

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1.key" 2>/dev/null; }

new_ca() { # name common-name
  new_key "$1"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 3650 -sha256 -out "$PKI/$1.crt"
}

# A certificate signed by one of the CAs here: ECDSA P-256 (quick to make), with the given
# subject and X.509 extensions.
issue_cert() { # ca name subject extensions
  local ca=$1 name=$2 subject=$3 extensions=$4
  new_key "$name"
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
  printf '%s\n' "$extensions" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

# The cluster's own CA, the API server's serving certificate, one client certificate per
# component (its user name is what RBAC's bootstrap roles expect), the service-account key pair
# the API server signs tokens with, and the front proxy's CA and client certificate (the
# aggregation layer's request-header authentication, which the controller-manager's and the
# scheduler's own servers also read; kubeadm's layout). Made once per state folder: a
# `down --keep` reuses them.
make_pki() {
  [ -f "$PKI/.complete" ] && return 0
  rm -rf "$PKI"
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  new_ca ca django-k8s-local-ca
  issue_cert ca apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_API_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  issue_cert ca admin "/O=system:masters/CN=django-k8s-local-admin" "$client"
  issue_cert ca kube-controller-manager "/CN=system:kube-controller-manager" "$client"
  issue_cert ca kube-scheduler "/CN=system:kube-scheduler" "$client"
  # kwok writes node and pod status and the node's Lease, as a kubelet would: its own name in
  # the audit trail, with the admin group's rights (there is no RBAC role for a fake kubelet).
  issue_cert ca kwok "/O=system:masters/CN=kwok" "$client"
  new_ca front-proxy-ca django-k8s-local-front-proxy-ca
  issue_cert front-proxy-ca front-proxy-client "/CN=front-proxy-client" "$client"
  new_key sa
  openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
  chmod 600 "$PKI"/*.key
  touch "$PKI/.complete"
}

write_kubeconfig() { # file user
  local file=$1 user=$2
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$PKI/$user.crt")
    client-key-data: $(base64 -w0 <"$PKI/$user.key")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $user
current-context: $CONTEXT
EOF
  chmod 600 "$file"
}

# The admin's (KUBECONFIG for people and tests) and one per component.
write_kubeconfigs() {
  write_kubeconfig "$KUBECONFIG_FILE" admin
  local name
  for name in kube-controller-manager kube-scheduler kwok; do
    write_kubeconfig "$PKI/$name.kubeconfig" "$name"
  done
}

# --- the components ----------------------------------------------------------------------------

# etcd on loopback, plain HTTP (nothing leaves 127.0.0.1). No fsync: the data is a test cluster's
# and a shared machine's disk makes every write wait otherwise; only a crash of the machine itself
# could lose writes, which a throwaway cluster can afford.
start_etcd() {
  start_component etcd \
    --name local --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --log-level warn
  wait_for "etcd's health" 60 etcd etcd_healthy
}
etcd_healthy() { curl -fsS "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }

# The admission plugins are the defaults, which include PodSecurity; naming it keeps it on should
# the defaults change. With no namespace label PodSecurity enforces "privileged", so the app's
# namespace gets its level from its own labels (the program sets them). Privileged containers are
# allowed, as on minikube, so that PodSecurity is what refuses them. The endpoint reconciler is
# off: the API server listens on loopback only, and the "kubernetes" Service may not have a
# loopback endpoint (validation refuses it, every 10 s); no pod here dials the API server anyway.
# (With it off, the API server logs one "Found stale data, removed previous endpoints" at start:
# the none reconciler's removal always succeeds. It is harmless.)
start_apiserver() {
  local node_flags=()
  # A real kubelet serves logs, exec and port-forward; the API server calls it with its own
  # client certificate (the kubelet's serving certificate is self-signed: not verified), at the
  # node's InternalIP (its Hostname, the node's name, resolves nowhere).
  # shellcheck disable=SC2054 # InternalIP,Hostname is one argument
  [ "$NODE_MODE" = real ] && node_flags=(--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt"
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" --kubelet-preferred-address-types InternalIP,Hostname)
  start_component kube-apiserver "${node_flags[@]}" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$API_PORT" --advertise-address 127.0.0.1 \
    --endpoint-reconciler-type none \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --requestheader-client-ca-file "$PKI/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$PKI/front-proxy-client.crt" --proxy-client-key-file "$PKI/front-proxy-client.key" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins PodSecurity \
    --allow-privileged \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$PKI/sa.pub" \
    --service-account-signing-key-file "$PKI/sa.key" \
    --profiling=false
  wait_for "the API server's /readyz" 120 "etcd kube-apiserver" kubectl_admin get --raw /readyz
}

# The default StorageClass and the node, before the controllers start (the node exists when kwok
# looks for it; a claim made right after `up` finds the default class).
apply_cluster_objects() {
  if [ "$NODE_MODE" = real ]; then # the kubelet registers its node itself
    kubectl_admin apply -f "$ROOT/cluster/storage-class.yaml" >/dev/null
  else
    kubectl_admin apply -f "$ROOT/cluster/storage-class.yaml" -f "$ROOT/cluster/local-node.yaml" >/dev/null
  fi
}

# Each controller with its own service account (as kubeadm sets it up); leader election off,
# there is one of each; the hostPath provisioner so claims on "standard" bind on this one node.
start_controller_manager() {
  local kc=$PKI/kube-controller-manager.kubeconfig
  start_component kube-controller-manager \
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" \
    --leader-elect=false \
    --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --enable-hostpath-provisioner \
    --profiling=false
}

start_scheduler() {
  local kc=$PKI/kube-scheduler.kubeconfig
  start_component kube-scheduler \
    --kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
    --leader-elect=false \
    --profiling=false
}

# kwok manages the one node and plays cluster/kwok-stages.yaml; it renews the node's Lease (the
# heartbeat the node lifecycle controller reads). Its server answers /healthz on loopback.
start_kwok() {
  start_component kwok \
    --kubeconfig "$PKI/kwok.kubeconfig" \
    --config "$ROOT/cluster/kwok-stages.yaml" \
    --manage-single-node "$NODE" \
    --node-lease-duration-seconds 40 \
    --cidr "$POD_CIDR" \
    --server-address "127.0.0.1:$KWOK_PORT"
}

healthz() { curl -fsSk "$1" | grep -q '^ok$'; }
node_ready_untainted() {
  [ "$(kubectl_admin get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] \
    && [ -z "$(kubectl_admin get node "$NODE" -o jsonpath='{.spec.taints}')" ]
}

# Ready for a test: the node is Ready and its not-ready taint is gone (the node lifecycle
# controller removes it), the service-account controller has made `default` in default (pods
# are refused without their namespace's service account), and each component answers healthz.
wait_until_ready() {
  local all="${COMPONENTS[*]}"
  wait_for "the node $NODE Ready, untainted" 120 "$all" node_ready_untainted
  wait_for "the service account default/default" 60 "$all" kubectl_admin -n default get serviceaccount default
  wait_for "kube-controller-manager's /healthz" 60 "$all" healthz "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
  wait_for "kube-scheduler's /healthz" 60 "$all" healthz "https://127.0.0.1:$SCHEDULER_PORT/healthz"
  if [ "$NODE_MODE" = real ]; then
    wait_for "the kubelet's /healthz" 60 "$all" healthz "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
  else
    wait_for "kwok's /healthz" 60 "$all" healthz "http://127.0.0.1:$KWOK_PORT/healthz"
  fi
}

# --- commands ----------------------------------------------------------------------------------

running_components() {
  local name
  for name in "${COMPONENTS[@]}"; do if is_running "$name"; then echo "$name"; fi; done
}

# What runs of a cluster with the given node mode (another `up`'s).
components_of() { # kwok|real
  local NODE_MODE=$1 COMPONENTS=()
  set_components
  running_components
}

cmd_up() {
  local started step_started running
  started=$(now)
  case ${1:-} in
    --real-node) NODE_MODE=real ;;
    "") ;;
    *) die "up takes --real-node or nothing, not '$1'" ;;
  esac
  set_components
  # A state folder is one node's: kwok's node object and a kubelet's registration of the same
  # name would fight over it, and its pods were placed for the other.
  if [ -f "$STATE/node-mode" ] && [ "$(cat "$STATE/node-mode")" != "$NODE_MODE" ]; then
    local kept
    kept=$(cat "$STATE/node-mode")
    if [ -n "$(components_of "$kept")" ]; then
      die "up with a $kept node: run 'down' before switching to a $NODE_MODE node"
    fi
    die "the state in $STATE is a $kept node's (kept by 'down --keep'): 'up$([ "$kept" = real ] && echo ' --real-node')' resumes it, 'down' removes it"
  fi
  [ "$NODE_MODE" = kwok ] || real_node_check_host
  [ "$(id -u)" = 0 ] || [ -n "${LOCAL_CLUSTER_DIR:-}" ] \
    || die "run as root (the state is in /var/lib/django-k8s), or set LOCAL_CLUSTER_DIR"
  running=$(running_components | wc -l)
  if [ "$running" = "${#COMPONENTS[@]}" ] && KUBE_BIN=$(cat "$STATE/kubernetes-bin") \
    && kubectl_admin get --raw /readyz >/dev/null 2>&1; then
    say "already up (https://127.0.0.1:$API_PORT, context $CONTEXT; state in $STATE)"
    return 0
  fi
  if [ "$running" != 0 ]; then
    # Half up (a component crashed, or an `up` was interrupted): start over, keeping the state.
    say "partly up ($(running_components | tr '\n' ' ')): stopping those first"
    cmd_down --keep >/dev/null
  fi
  claim_state_dir
  printf '%s\n' "$NODE_MODE" >"$STATE/node-mode"
  check_ports_free
  # A failed `up` leaves nothing running (the state and logs stay, for reading).
  trap 'up_failed' EXIT

  step_started=$(now)
  resolve_binaries
  say "binaries ($(since "$step_started") s): etcd $ETCD_BIN, kubernetes $KUBE_BIN, kwok $KWOK_BIN"

  step_started=$(now)
  make_pki
  write_kubeconfigs
  [ "$NODE_MODE" = kwok ] || { real_node_pki; real_node_configs; }
  say "certificates and kubeconfigs ($(since "$step_started") s)"

  step_started=$(now)
  start_etcd
  say "etcd on 127.0.0.1:$ETCD_PORT ($(since "$step_started") s)"

  step_started=$(now)
  start_apiserver
  say "kube-apiserver on https://127.0.0.1:$API_PORT ($(since "$step_started") s)"

  step_started=$(now)
  apply_cluster_objects
  start_controller_manager
  start_scheduler
  if [ "$NODE_MODE" = real ]; then
    say "controller-manager, scheduler ($(since "$step_started") s)"
    step_started=$(now)
    start_containerd
    say "containerd $($CONTAINERD --version | cut -d' ' -f3) on $CONTAINERD_SOCK, images imported ($(since "$step_started") s)"
    step_started=$(now)
    start_node_dns
    say "dnsmasq on $CLUSTER_DNS_IP:53 with the Services' names, node-sync ($(since "$step_started") s)"
    step_started=$(now)
    start_kubelet
    say "kubelet on :$KUBELET_PORT ($(since "$step_started") s)"
    step_started=$(now)
    start_kube_proxy
    say "kube-proxy, iptables mode ($(since "$step_started") s)"
    step_started=$(now)
    wait_until_ready
    say "real node $NODE Ready ($(since "$step_started") s after the kubelet's /healthz)"
  else
    start_kwok
    wait_until_ready
    say "controller-manager, scheduler, kwok; node $NODE Ready ($(since "$step_started") s)"
  fi

  say "up in $(since "$started") s: context $CONTEXT, KUBECONFIG=$KUBECONFIG_FILE, logs in $LOGS"
  # shellcheck disable=SC2016 # printed for the reader to run, not expanded here
  say 'eval "$(bash cluster/local-cluster.sh env)" for kubectl'
  trap - EXIT
}

up_failed() {
  if [ "$NODE_MODE" = real ]; then
    stop_components kube-proxy kubelet node-sync dnsmasq
    real_node_teardown
    real_node_iptables_cleanup
  fi
  stop_components "${COMPONENTS[@]}"
  say "up failed: stopped what it had started; logs in $LOGS, state kept ('down' removes it)" >&2
}

# The state folder: made here, or one this script made before. A folder with other contents is
# refused, since `down` removes the state folder whole.
claim_state_dir() {
  if [ -d "$STATE" ] && [ ! -f "$MARKER" ] && [ -n "$(ls -A "$STATE")" ]; then
    die "$STATE is not empty and is not a local cluster's state (no $(basename "$MARKER")): choose another LOCAL_CLUSTER_DIR"
  fi
  mkdir -p "$STATE" "$LOGS" "$RUN"
  touch "$MARKER"
}

cmd_down() {
  local keep="" started
  started=$(now)
  case ${1:-} in
    --keep) keep=1 ;;
    "") ;;
    *) die "down takes --keep or nothing, not '$1'" ;;
  esac
  if [ ! -d "$STATE" ]; then
    say "not up (no state in $STATE)"
    return 0
  fi
  # The real node first (the kubelet, then every container and containerd), then the clients,
  # so none of them spends its last seconds retrying a vanished API server; etcd last, after the
  # API server has closed its connections.
  if [ "$NODE_MODE" = real ]; then
    local step_started
    step_started=$(now)
    stop_components kube-proxy kubelet node-sync dnsmasq
    say "kube-proxy, kubelet, node-sync, dnsmasq stopped ($(since "$step_started") s)"
    step_started=$(now)
    real_node_teardown
    real_node_iptables_cleanup
    say "containers, containerd, mounts, network namespaces, bridge, iptables chains removed ($(since "$step_started") s)"
  fi
  stop_components kwok kube-scheduler kube-controller-manager kube-apiserver
  stop_components etcd
  if [ -n "$keep" ]; then
    say "down in $(since "$started") s; state kept in $STATE"
  elif [ -f "$MARKER" ]; then
    if [ "$NODE_MODE" = real ]; then
      local removing
      removing=$(now)
      rm -rf "$STATE"
      # containerd's content store and unpacked layers (the app image's thousands of files).
      say "state removed ($(since "$removing") s)"
    else
      rm -rf "$STATE"
    fi
    say "down in $(since "$started") s; state removed"
  else
    die "$STATE has no $(basename "$MARKER"): not removing a folder this script did not make"
  fi
}

cmd_env() {
  local kube_bin
  # The bin folder `up` used; before any `up`, cluster/tools.sh's (building Kubernetes if needed).
  if [ -f "$STATE/kubernetes-bin" ]; then
    kube_bin=$(cat "$STATE/kubernetes-bin")
  else
    # shellcheck source=cluster/tools.sh
    source "$ROOT/cluster/tools.sh"
    kube_bin=$(tool_bin kubernetes)
  fi
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
  # shellcheck disable=SC2016 # $PATH is for the shell that evals this line
  printf 'export PATH=%q:$PATH\n' "$kube_bin"
}

cmd_status() {
  local name pid
  if [ ! -d "$STATE" ]; then
    say "not up (no state in $STATE)"
    return 0
  fi
  for name in "${COMPONENTS[@]}"; do
    pid=$(pid_of "$name")
    if is_running "$name"; then
      printf '  %-24s running, pid %s\n' "$name" "$pid"
    else
      printf '  %-24s stopped\n' "$name"
    fi
  done
  if is_running kube-apiserver && KUBE_BIN=$(cat "$STATE/kubernetes-bin" 2>/dev/null); then
    printf '  %-24s %s\n' "API /readyz" "$(kubectl_admin get --raw /readyz 2>&1 | tail -n 1)"
    printf '  %-24s %s\n' "node $NODE" "Ready=$(kubectl_admin get node "$NODE" \
      -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>&1)"
  fi
  printf '  %-24s %s\n' state "$STATE" kubeconfig "$KUBECONFIG_FILE (context $CONTEXT)"
}

# down and status act on the node `up` started.
[ -f "$STATE/node-mode" ] && [ "${1:-}" != up ] && NODE_MODE=$(cat "$STATE/node-mode")
set_components

case ${1:-} in
  up)
    shift
    cmd_up "$@"
    ;;
  down)
    shift
    cmd_down "$@"
    ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) die "usage: local-cluster.sh up [--real-node] | down [--keep] | env | status" ;;
esac
