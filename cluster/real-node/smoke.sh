#!/usr/bin/env bash
# Smoke check of the local cluster's real node (docs/local-cluster.md, "Real node"), printing its
# figures:
#
#   bash cluster/real-node/smoke.sh           up --real-node (unless up), a pod run on the node,
#                                             reached by its IP, its logs read, deleted; then down
#   bash cluster/real-node/smoke.sh --keep-up the same, leaving the cluster up
#
# Checks: the node registers and turns Ready; a busybox pod (images from cluster/real-node/
# images.sh, no registry) turns Running and Ready (its readiness probe answered by the kubelet);
# its process is in this machine's process table; its IP answers HTTP from the host over the
# bridge; `kubectl logs` (the API server calling the kubelet) returns its output; deleting it
# stops its containers; a Service routes to it (kube-proxy): its ClusterIP from the host and from
# the pod, its NodePort on 127.0.0.1; the app's image, when podman has it, runs as a Job to
# completion; `down` leaves no process, mount, network namespace or bridge behind.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LC=(bash "$ROOT/cluster/local-cluster.sh")
KEEP_UP=""
[ "${1:-}" = --keep-up ] && KEEP_UP=1
POD=real-node-smoke
NS=default

say() { printf 'real-node smoke: %s\n' "$*"; }
fail() {
  printf 'real-node smoke: FAILED: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

started=$(now)
LOCAL_CLUSTER_NODE=real "${LC[@]}" up
up_done=$(now)
eval "$("${LC[@]}" env)"
STATE=${LOCAL_CLUSTER_DIR:-/var/lib/django-k8s/local-cluster}
# shellcheck source=cluster/real-node/node.sh
source "$ROOT/cluster/real-node/node.sh" # CONTAINERD_SOCK, CNI_BRIDGE

node=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')
created=$(kubectl get node "$node" -o jsonpath='{.metadata.creationTimestamp}')
ready_at=$(kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}')
node_ready=$(($(date -d "$ready_at" +%s) - $(date -d "$created" +%s)))
say "node $node registered at $created, Ready at $ready_at ($node_ready s after registering); up took $(secs "$started" "$up_done") s"
kubectl get node "$node" -o wide

kubectl -n "$NS" delete pod "$POD" --ignore-not-found --wait >/dev/null
applied=$(now)
kubectl -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $POD
  labels: {app: $POD}
spec:
  containers:
  - name: web
    image: localhost/django-k8s/busybox:local
    imagePullPolicy: Never
    # sh stays PID 1 and exits on SIGTERM (a PID 1 without a handler ignores it, and the
    # deletion would wait out the 30 s grace period for SIGKILL).
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello from the real node > /tmp/index.html; echo serving; httpd -f -p 8080 -h /tmp & wait"]
    ports: [{containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
YAML
until [ "$(kubectl -n "$NS" get pod "$POD" -o jsonpath='{.status.phase}')" = Running ]; do
  [ "$(secs "$applied" "$(now)" | cut -d. -f1)" -lt 120 ] || { kubectl -n "$NS" describe pod "$POD" | tail -20; fail "pod not Running after 120 s"; }
  sleep 0.2
done
running=$(now)
kubectl -n "$NS" wait --for=condition=Ready "pod/$POD" --timeout=60s >/dev/null || fail "pod not Ready"
ready=$(now)
pod_running=$(secs "$applied" "$running")
pod_ready=$(secs "$applied" "$ready")
say "pod Running $pod_running s after apply, Ready $pod_ready s after apply"

ip=$(kubectl -n "$NS" get pod "$POD" -o jsonpath='{.status.podIP}')
cid=$(kubectl -n "$NS" get pod "$POD" -o jsonpath='{.status.containerStatuses[0].containerID}')
cid=${cid#containerd://}
pid=$(ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls | awk -v id="$cid" '$1 == id { print $2 }')
[ -n "$pid" ] || fail "no containerd task for container $cid"
say "its process on this machine:"
ps -o pid,ppid,user,etime,cmd -p "$pid" --ppid "$pid" || fail "pid $pid not in the process table"
body=$(curl -fsS --max-time 5 "http://$ip:8080/index.html") || fail "pod IP $ip:8080 did not answer from the host"
say "http://$ip:8080/index.html from the host: $body"
logs=$(kubectl -n "$NS" logs "$POD") || fail "kubectl logs failed"
say "kubectl logs: $logs"

# kube-proxy: the Service's ClusterIP from the host and from the pod itself (hairpin through the
# bridge), and its NodePort on 127.0.0.1.
kubectl -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $POD
spec:
  type: NodePort
  selector: {app: $POD}
  ports: [{port: 80, targetPort: 8080}]
YAML
cluster_ip=$(kubectl -n "$NS" get service "$POD" -o jsonpath='{.spec.clusterIP}')
node_port=$(kubectl -n "$NS" get service "$POD" -o jsonpath='{.spec.ports[0].nodePort}')
svc_started=$(now)
until body=$(curl -fsS --max-time 2 "http://$cluster_ip/index.html" 2>/dev/null); do
  [ "$(secs "$svc_started" "$(now)" | cut -d. -f1)" -lt 30 ] || fail "ClusterIP $cluster_ip:80 did not answer from the host in 30 s"
  sleep 0.2
done
svc_routed=$(secs "$svc_started" "$(now)")
say "Service ClusterIP http://$cluster_ip/ from the host after $svc_routed s: $body"
# nc, not busybox's wget: Debian's busybox-static is linked against glibc statically, and its
# wget dies with SIGSEGV in the pod (exit 139) where no NSS libraries are.
body=$(kubectl -n "$NS" exec "$POD" -- sh -c "printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 5 $cluster_ip 80 | tail -n 1") || fail "ClusterIP $cluster_ip:80 did not answer from the pod (hairpin)"
say "Service ClusterIP from the pod itself: $body"
body=$(curl -fsS --max-time 5 "http://127.0.0.1:$node_port/index.html") || fail "NodePort 127.0.0.1:$node_port did not answer"
say "NodePort http://127.0.0.1:$node_port/: $body"
kubectl -n "$NS" delete service "$POD" >/dev/null

deleted=$(now)
kubectl -n "$NS" delete pod "$POD" --wait --timeout=60s >/dev/null || fail "pod not deleted in 60 s"
pod_deleted=$(secs "$deleted" "$(now)")
say "pod deleted in $pod_deleted s (SIGTERM to its sh, its sandbox stopped)"
figures="up $(secs "$started" "$up_done") s, node Ready $node_ready s after registering, pod Running $pod_running s / Ready $pod_ready s after apply, Service routed $svc_routed s after creation, pod deleted in $pod_deleted s"
! kill -0 "$pid" 2>/dev/null || fail "pid $pid still running after the pod was deleted"

# The app's image (the container test builds it into podman), when there is one: copied into the
# node's containerd and run as a Job as the stack runs it (user 10001, read-only root, no
# capabilities); the Job controller marks it Complete once its pod has really exited 0.
app_image=${REAL_NODE_APP_IMAGE:-$(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference=localhost/django-k8s-app 2>/dev/null | head -n 1 || true)}
if [ -n "$app_image" ]; then
  copied=$(now)
  bash "$ROOT/cluster/real-node/images.sh" from-podman "$CONTAINERD_SOCK" "$app_image"
  app_copied=$(secs "$copied" "$(now)")
  kubectl -n "$NS" delete job real-node-app --ignore-not-found --wait >/dev/null
  applied=$(now)
  kubectl -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata:
  name: real-node-app
spec:
  backoffLimit: 0
  ttlSecondsAfterFinished: 600
  template:
    spec:
      restartPolicy: Never
      securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: $app_image
        imagePullPolicy: Never
        command: ["python", "-c", "import django, os, sys; print('django', django.get_version(), 'python', sys.version.split()[0], 'uid', os.getuid())"]
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
YAML
  kubectl -n "$NS" wait --for=condition=Complete job/real-node-app --timeout=120s >/dev/null \
    || { kubectl -n "$NS" describe job real-node-app | tail -15; fail "the app image's Job did not complete"; }
  app_job=$(secs "$applied" "$(now)")
  say "app image $app_image: copied from podman in $app_copied s; Job Complete $app_job s after apply: $(kubectl -n "$NS" logs job/real-node-app)"
  kubectl -n "$NS" delete job real-node-app --wait >/dev/null
  figures="$figures, app image copied $app_copied s, app Job Complete $app_job s after apply"
else
  say "no app image in podman (scripts/test-containers.sh builds it; REAL_NODE_APP_IMAGE names one): its Job skipped"
fi

if [ -n "$KEEP_UP" ]; then
  say "OK; cluster left up"
  say "figures: $figures"
  exit 0
fi
down_started=$(now)
bash "$ROOT/cluster/real-node/down-check.sh" || fail "down left something behind (above)"
figures="$figures, down $(secs "$down_started" "$(now)") s"
say "OK; total $(secs "$started" "$(now)") s"
say "figures: $figures"
