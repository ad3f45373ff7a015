#!/usr/bin/env bash
# `local-cluster.sh down` of a real node, then the proof it left nothing: no process of the
# cluster, no mount of containerd's or the kubelet's, no KUBE-/CNI- iptables rule or chain, no
# bridge, no veth, nothing on the pods' DNS address. Used by smoke.sh and stack-test.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
# shellcheck source=cluster/real-node/node.sh
source "$ROOT/cluster/real-node/node.sh" # CNI_BRIDGE

fail() {
  printf 'real-node down: FAILED: %s\n' "$*" >&2
  exit 1
}
bash "$ROOT/cluster/local-cluster.sh" down
# By process name (at most 15 characters: kube-controller-manager is kube-controller), not by
# command line: a build of these tools running beside it names them in its arguments. dnsmasq
# is not in the list (the machine may run its own); its pid file in the state is gone with it.
# (procps' pgrep warns about the alternation's length as if it were one name: stderr dropped.)
left=$(pgrep -a -x 'containerd|containerd-shim.*|kubelet|kube-apiserver|kube-controller|kube-scheduler|kube-proxy|etcd|kwok|node-sync.sh' 2>/dev/null || true)
[ -z "$left" ] || fail "still running after down: $left"
left=$(grep -E 'containerd|kubelet|/run/netns/cni-' /proc/self/mounts || true)
[ -z "$left" ] || fail "still mounted after down: $left"
left=$(for t in filter nat mangle; do iptables -t "$t" -S; ip6tables -t "$t" -S; done | grep -E 'KUBE-|CNI-' || true)
[ -z "$left" ] || fail "iptables rules or chains left after down: $left"
! ip link show "$CNI_BRIDGE" >/dev/null 2>&1 || fail "bridge $CNI_BRIDGE still there after down"
left=$(ip -br link | grep -E '^veth' || true)
[ -z "$left" ] || fail "veth interfaces left after down: $left"
left=$(ss -Hlun "sport = :53" | grep -F "$CLUSTER_DNS_IP:53" || true)
[ -z "$left" ] || fail "something still listens on $CLUSTER_DNS_IP:53 after down: $left"
echo "real-node down: OK, nothing running, mounted or left in the network after down"
