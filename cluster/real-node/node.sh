# shellcheck shell=bash
# The real node of the local cluster (`local-cluster.sh up --real-node`, docs/local-cluster.md
# "Real node"): Debian's containerd, runc and CNI plugins, and the kubelet built with the control
# plane (cluster/tools.sh), beside the control plane on this machine. Sourced by
# cluster/local-cluster.sh, which owns the process handling (start_component, stop_components,
# wait_for) and the PKI; everything here lives in $STATE/node, and in /run/django-k8s/containerd
# for containerd's runtime state (sockets, the running containers' bundles).

NODE_DIR=$STATE/node
CONTAINERD_RUN=/run/django-k8s/containerd
CONTAINERD_SOCK=$CONTAINERD_RUN/containerd.sock
KUBELET_PORT=16250
KUBELET_HEALTHZ_PORT=16248
KUBE_PROXY_HEALTHZ_PORT=16256
KUBE_PROXY_METRICS_PORT=16249
# The node's pods: one bridge (not the usual cni0, so another CNI setup on this machine is not
# touched), addresses from host-local in this /24 of the cluster's pod range.
CNI_BRIDGE=djk8s0
NODE_POD_SUBNET=10.244.0.0/24
# The pods' DNS server (dnsmasq, kept in step with the Services by node-sync.sh): the bridge's
# own address, the pods' gateway, so it is on the node and reachable from every pod.
CLUSTER_DNS_IP=10.244.0.1
# Beside containerd's runtime state, world-readable: dnsmasq reads it after dropping to nobody
# (a state folder made 0700 would hide it: "failed to create inotify ... Permission denied").
DNS_HOSTS_DIR=/run/django-k8s/dns
# Where node-sync.sh may make and open (0777) a PersistentVolume's hostPath folder: the
# hostPath provisioner's folders, the minikube stack's default postgresHostPath's parent, and
# the node's own volumes folder in the state (the stack test's database; removed by down).
HOSTPATH_ROOTS=(/tmp/hostpath_pv /data/django-k8s "$NODE_DIR/volumes")
PAUSE_IMAGE=localhost/django-k8s/pause:local
CONTAINERD=/usr/bin/containerd
DNSMASQ=/usr/sbin/dnsmasq
RUNC=/usr/sbin/runc
CNI_BIN=/usr/lib/cni

real_node_check_host() {
  local missing=() bin
  for bin in "$CONTAINERD" /usr/bin/ctr "$RUNC" "$CNI_BIN/bridge" "$CNI_BIN/host-local" "$CNI_BIN/loopback" "$CNI_BIN/portmap" "$DNSMASQ" /usr/sbin/debootstrap /usr/bin/jq; do
    [ -x "$bin" ] || missing+=("$bin")
  done
  [ "${#missing[@]}" = 0 ] \
    || die "the real node needs ${missing[*]}: apt-get install containerd runc containernetworking-plugins iptables conntrack busybox-static gcc dnsmasq-base debootstrap jq"
  # Another kubelet here (a kubeadm or minikube --driver=none node) would share the kubelet's
  # iptables chains, /var/run/netns and the cgroup hierarchy's kubepods.
  [ -z "$(ss -Hltn 'sport = :10250' 2>/dev/null)" ] \
    || die "a kubelet already listens on :10250; the real node does not run beside another Kubernetes node"
  [ "$(id -u)" = 0 ] || die "the real node runs as root (kubelet and containerd manage cgroups, mounts, network namespaces)"
}

# The kubelet's client certificate: the Node authorizer's naming (user system:node:<name>, group
# system:nodes), signed by the cluster CA; made once per state folder, like the rest of pki/.
real_node_pki() {
  if [ ! -f "$PKI/kubelet.crt" ]; then
    issue_cert ca kubelet "/O=system:nodes/CN=system:node:$NODE" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    chmod 600 "$PKI/kubelet.key"
  fi
  # The API server's client certificate for kubelets (logs, exec, port-forward); the kubelet's
  # webhook authorizer asks the API server whether this user may: system:masters may.
  if [ ! -f "$PKI/apiserver-kubelet-client.crt" ]; then
    issue_cert ca apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    chmod 600 "$PKI/apiserver-kubelet-client.key"
  fi
  write_kubeconfig "$PKI/kubelet.kubeconfig" kubelet
  # kube-proxy's: the user the bootstrap binding system:node-proxier names.
  if [ ! -f "$PKI/kube-proxy.crt" ]; then
    issue_cert ca kube-proxy "/CN=system:kube-proxy" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    chmod 600 "$PKI/kube-proxy.key"
  fi
  write_kubeconfig "$PKI/kube-proxy.kubeconfig" kube-proxy
}

real_node_configs() {
  mkdir -p "$NODE_DIR/containerd" "$NODE_DIR/cni/net.d" "$NODE_DIR/cni/ipam" "$NODE_DIR/kubelet" "$NODE_DIR/pod-logs" "$CONTAINERD_RUN" "$DNS_HOSTS_DIR" "$NODE_DIR/volumes"
  cat >"$NODE_DIR/containerd.toml" <<TOML
# containerd 1.6 (Debian's), for the local cluster's real node; written by cluster/real-node/node.sh
version = 2
root = "$NODE_DIR/containerd"
state = "$CONTAINERD_RUN/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine's root lacks CAP_SYS_RESOURCE (its bounding set), so no process may lower its
  # oom_score_adj below 0: runc failed the sandbox, whose kubelet asks -998, with "can't get final
  # child's PID from pipe: EOF". Clamped to containerd's own score (0) instead.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$RUNC"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$NODE_DIR/cni/net.d"
TOML
  cat >"$NODE_DIR/cni/net.d/10-django-k8s.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "django-k8s-local",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$NODE_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
  cat >"$NODE_DIR/kubelet-config.yaml" <<YAML
# The kubelet's configuration for the local cluster's real node; written by cluster/real-node/node.sh.
# Each setting's reason: docs/local-cluster.md, "Real node".
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $PKI/ca.crt
authorization:
  mode: Webhook
clusterDomain: cluster.local
# dnsmasq on the bridge, answering the Services' names (node-sync.sh); there is no CoreDNS.
clusterDNS: [$CLUSTER_DNS_IP]
podLogsDir: $NODE_DIR/pod-logs
registerNode: true
# Absolute thresholds: the defaults are percentages of this machine's shared disk (nodefs.available
# 10%, imagefs.available 15%), which other builds fill and empty; under them the kubelet evicts the
# stack's pods and deletes images it cannot pull again (no registry).
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1Gi
  imagefs.available: 1Gi
  nodefs.inodesFree: 1%
# Image garbage collection off (it would start at 100 % disk use): every image here was imported
# by hand (pause, the stand-ins, the app); one collected could not be pulled back.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
YAML
  cat >"$NODE_DIR/kube-proxy-config.yaml" <<YAML
# kube-proxy's configuration for the local cluster's real node; written by cluster/real-node/node.sh.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $PKI/kube-proxy.kubeconfig
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
# NodePorts on loopback only: what the project opens (http://127.0.0.1:<nodePort>, as
# minikube's tunnel-less NodePort on a laptop), and nothing exposed on the machine's network.
nodePortAddresses: ["127.0.0.1/32"]
# The machine's conntrack table and timeouts are left as they are (by default kube-proxy sets
# nf_conntrack_max, here lowering it from 262144 to 131072, and the TCP established and
# close-wait timeouts): this is a shared machine, not a dedicated node.
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
}

start_containerd() {
  # containerd makes /run/netns a shared bind mount of itself on the first sandbox (its network
  # namespaces are bind mounts under it), and the kubelet makes /var/log/containers: the teardown
  # removes them only when they were not there before.
  mountpoint -q /run/netns || touch "$NODE_DIR/netns-mount-is-ours"
  [ -d /var/log/containers ] || touch "$NODE_DIR/var-log-containers-is-ours"
  start_component containerd --config "$NODE_DIR/containerd.toml"
  wait_for "containerd's socket" 60 containerd ctr --address "$CONTAINERD_SOCK" version
  bash "$ROOT/cluster/real-node/images.sh" import "$CONTAINERD_SOCK"
  bash "$ROOT/cluster/real-node/standins.sh" import "$CONTAINERD_SOCK"
}

# The pods' DNS: the bridge made now with its gateway address (the CNI bridge plugin takes it as
# it finds it), so dnsmasq can listen there before the first pod; then node-sync.sh fills its
# hosts folder from the Services. Only that address: a resolver this machine runs on :53
# elsewhere is not disturbed.
start_node_dns() {
  mkdir -p "$DNS_HOSTS_DIR"
  chmod 0755 "$(dirname "$DNS_HOSTS_DIR")" "$DNS_HOSTS_DIR"
  if ! ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then
    ip link add "$CNI_BRIDGE" type bridge
    ip addr add "$CLUSTER_DNS_IP/${NODE_POD_SUBNET#*/}" dev "$CNI_BRIDGE"
    ip link set "$CNI_BRIDGE" up
  fi
  start_component dnsmasq --keep-in-foreground --log-facility=- --conf-file=/dev/null --pid-file= \
    --listen-address="$CLUSTER_DNS_IP" --bind-interfaces --no-hosts --hostsdir="$DNS_HOSTS_DIR" \
    --local=/cluster.local/ --cache-size=0
  # shellcheck disable=SC2153 # KUBE_BIN: local-cluster.sh's resolve_binaries
  start_component node-sync "$KUBE_BIN/kubectl" "$KUBECONFIG_FILE" "$DNS_HOSTS_DIR" "${HOSTPATH_ROOTS[@]}"
  wait_for "dnsmasq on $CLUSTER_DNS_IP:53" 30 "dnsmasq node-sync" \
    sh -c "ss -Hlun 'sport = :53' | grep -qF '$CLUSTER_DNS_IP:53'"
  wait_for "node-sync's Service names" 30 "dnsmasq node-sync" grep -q ' kubernetes.default.svc.cluster.local$' "$DNS_HOSTS_DIR/services"
}

start_kubelet() {
  start_component kubelet \
    --config "$NODE_DIR/kubelet-config.yaml" \
    --kubeconfig "$PKI/kubelet.kubeconfig" \
    --root-dir "$NODE_DIR/kubelet" \
    --hostname-override "$NODE"
  wait_for "the kubelet's /healthz" 120 kubelet healthz "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
}

start_kube_proxy() {
  [ -f "$NODE_DIR/route_localnet" ] || cat /proc/sys/net/ipv4/conf/all/route_localnet >"$NODE_DIR/route_localnet"
  start_component kube-proxy --config "$NODE_DIR/kube-proxy-config.yaml"
  wait_for "kube-proxy's /healthz" 60 kube-proxy curl -fsS "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"
}

# After kube-proxy and the kubelet have stopped: kube-proxy's own rules and chains (its
# --cleanup), then the chains the kubelet makes (KUBE-FIREWALL, which drops connections to
# 127.0.0.0/8 from other sources, its canaries, the iptables-mode hint). Only chains under
# these names: a Kubernetes node already on this machine would own them too, and the real
# node refuses to start beside one (real_node_check_host).
real_node_iptables_cleanup() {
  local kube_bin=${KUBE_BIN:-$(cat "$STATE/kubernetes-bin" 2>/dev/null || true)}
  if [ -x "$kube_bin/kube-proxy" ] && ! "$kube_bin/kube-proxy" --cleanup >>"$LOGS/kube-proxy.log" 2>&1; then
    say "kube-proxy --cleanup failed (log: $LOGS/kube-proxy.log)"
  fi
  # kube-proxy turns on route_localnet (NodePorts on 127.0.0.1); back to what it was.
  if [ -f "$NODE_DIR/route_localnet" ]; then
    cat "$NODE_DIR/route_localnet" >/proc/sys/net/ipv4/conf/all/route_localnet
  fi
  local cmd table chain rule
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$cmd" -t "$table" -S "$chain" >/dev/null 2>&1 || continue
        # The jumps to it first (iptables -S prints them as "-A <from> ... -j <chain>").
        while read -r rule; do
          # shellcheck disable=SC2086 # the rule's words, as iptables printed them
          eval "$cmd -t $table ${rule/-A /-D }" || true
        done < <("$cmd" -t "$table" -S | grep -E -- "-j $chain( |\$)" || true)
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Our containerd's shims: the processes whose command line names our socket (never matched by
# name alone: another containerd's shims on this machine are not ours).
our_shims() {
  local dir
  for dir in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$dir/cmdline" | grep -q -- "-address $CONTAINERD_SOCK " && echo "${dir#/proc/}"
  done
}

# After the kubelet has stopped: every container of the node killed and deleted (the mounts of
# their root filesystems go with them), containerd stopped, anything left mounted under the
# node's folders unmounted, the sandboxes' network namespaces and the bridge removed, and the
# kubelet's cgroups removed. Safe to run when nothing is left.
real_node_teardown() {
  local ctr=(ctr --address "$CONTAINERD_SOCK" -n k8s.io) id netns=() pid mnt
  if is_running containerd; then
    for id in $("${ctr[@]}" containers ls -q 2>/dev/null); do
      # The sandbox's network namespace, bind-mounted by containerd under /var/run/netns.
      netns+=("$("${ctr[@]}" containers info "$id" 2>/dev/null \
        | jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty' 2>/dev/null)")
      "${ctr[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for id in $("${ctr[@]}" containers ls -q 2>/dev/null); do
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        "${ctr[@]}" tasks delete "$id" >/dev/null 2>&1 && break
        "${ctr[@]}" tasks ls -q 2>/dev/null | grep -qx "$id" || break
        sleep 0.3
      done
      "${ctr[@]}" containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_components containerd
  for pid in $(our_shims); do
    say "containerd shim $pid still running: KILL"
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Deepest first: anything the kubelet (volumes) or containerd (root filesystems, /dev/shm) left.
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || say "could not unmount $mnt"
  done < <(awk -v a="$NODE_DIR/" -v b="$CONTAINERD_RUN/" 'index($2, a) == 1 || index($2, b) == 1 { print $2 }' /proc/self/mounts | sort -r)
  for mnt in "${netns[@]}"; do
    [ -n "$mnt" ] || continue
    umount "$mnt" 2>/dev/null || true
    rm -f "$mnt"
  done
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then ip link delete "$CNI_BRIDGE"; fi
  local controller
  for controller in /sys/fs/cgroup/*/; do
    if [ -d "$controller/kubepods" ]; then find "$controller/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  if [ -f "$NODE_DIR/netns-mount-is-ours" ] && mountpoint -q /run/netns && [ -z "$(ls -A /run/netns)" ]; then
    umount /run/netns
  fi
  # The kubelet's links to its containers' logs (it removes each with its container; not those of
  # containers killed here).
  local link
  for link in /var/log/containers/*.log; do
    [ -L "$link" ] && case $(readlink "$link") in "$NODE_DIR"/*) rm -f "$link" ;; esac
  done
  if [ -f "$NODE_DIR/var-log-containers-is-ours" ]; then rmdir /var/log/containers 2>/dev/null || true; fi
  rm -rf "$CONTAINERD_RUN" "$DNS_HOSTS_DIR"
  rmdir "$(dirname "$CONTAINERD_RUN")" 2>/dev/null || true
}
