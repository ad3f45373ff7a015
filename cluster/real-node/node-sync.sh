#!/usr/bin/env bash
# What a minikube node has beside its kubelet, for the local cluster's real node (started and
# stopped by cluster/local-cluster.sh as the component "node-sync"; docs/local-cluster.md, "The
# stack on the real node"):
#
#   - Service names for the pods' DNS. There is no CoreDNS here (no registry to pull it from);
#     dnsmasq (the component "dnsmasq", Debian's dnsmasq-base) answers on the bridge's address
#     from a hosts file in <hosts dir>, which this keeps equal to the cluster's Services:
#     <clusterIP> <name>.<namespace>.svc.cluster.local. dnsmasq rereads the folder on change
#     (--hostsdir, inotify). A headless Service (no cluster IP) gets no name here.
#   - hostPath volumes a non-root pod can write. The controller-manager's hostPath provisioner
#     makes its folders root:root 0750, the kubelet makes a DirectoryOrCreate folder root 0755,
#     and fsGroup does not apply to hostPath: the stack's PostgreSQL (uid 70) and Redis (999)
#     could not write their data. Each PersistentVolume's hostPath folder is made (when missing)
#     and opened (0777), as minikube's storage provisioner makes its folders, but only under the
#     given roots: a PersistentVolume naming /etc is never touched.
#
# Both follow the API server's watch (kubectl get --watch), so a new Service or volume is served
# within a fraction of a second, before the pod that needs it starts; a dropped watch is resumed.
#
# Usage: node-sync.sh <kubectl> <kubeconfig> <hosts dir> <hostPath root>...
set -uo pipefail

KUBECTL=$1
KUBECONFIG_FILE=$2
HOSTS_DIR=$3
shift 3
ROOTS=("$@")

log() { printf '%s node-sync: %s\n' "$(date -u +%FT%T.%3NZ)" "$*"; }
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# The hosts file from the Services as they are now (written whole, then renamed: dnsmasq never
# reads half a file).
sync_services() {
  local lines
  lines=$(k get services -A -o json | jq -r '.items[]
      | select(.spec.clusterIP != null and .spec.clusterIP != "None" and .spec.clusterIP != "")
      | "\(.spec.clusterIP) \(.metadata.name).\(.metadata.namespace).svc.cluster.local"' | sort) || return 1
  if [ "$lines" != "$(cat "$HOSTS_DIR/services" 2>/dev/null)" ]; then
    printf '%s\n' "$lines" >"$HOSTS_DIR/.services.new"
    mv "$HOSTS_DIR/.services.new" "$HOSTS_DIR/services"
    log "Service names: $(printf '%s\n' "$lines" | wc -l)"
  fi
}

under_roots() { # path
  local root
  for root in "${ROOTS[@]}"; do
    case $1 in "$root"/?*) return 0 ;; esac
  done
  return 1
}

open_volume() { # hostPath
  local path=$1
  [ -n "$path" ] || return 0
  case $path in */../* | */..) log "hostPath $path: has .., left alone"; return 0 ;; esac
  under_roots "$path" || { log "hostPath $path: not under ${ROOTS[*]}, left alone"; return 0; }
  [ -d "$path" ] || mkdir -p "$path"
  if [ "$(stat -c %a "$path")" != 777 ]; then
    chmod 0777 "$path"
    log "hostPath $path opened (0777)"
  fi
}

# kubectl get --watch prints one line per object at the start and one per change after.
follow() { # handler kubectl-get-args...
  local handler=$1 line
  shift
  while :; do
    while read -r line; do "$handler" "$line"; done < <(k get "$@" --watch 2>/dev/null)
    sleep 1
  done
}
on_service() { sync_services || log "could not list Services"; }

mkdir -p "$HOSTS_DIR"
log "started: hosts in $HOSTS_DIR, hostPath roots ${ROOTS[*]}"
follow on_service services -A -o name &
follow open_volume persistentvolumes -o 'jsonpath={.spec.hostPath.path}{"\n"}' &
# TERM (local-cluster.sh down) ends the followers and their kubectl watches with this script.
trap 'trap - TERM INT; kill -- -$$ 2>/dev/null; exit 0' TERM INT
wait
