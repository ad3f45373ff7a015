# shellcheck shell=bash
# metrics-server for the local cluster's real node, as a process on this machine rather than a
# pod: the API server binds 127.0.0.1 only, so no pod reaches it (docs/local-cluster.md, "The
# HorizontalPodAutoscaler on the real node"). It serves on the bridge's address, which the API
# server reaches through the Service's cluster IP (kube-proxy's rules apply to this machine's
# own connections too); a loopback address is refused in an EndpointSlice. Sourced by
# cluster/real-node/hpa-check.sh, which runs it; the plan is to make it a component of
# `local-cluster.sh up --real-node` once the test command's budget can take it.

# The identity it calls the API server and the kubelet with (RBAC below names it).
METRICS_SERVER_USER=django-k8s-metrics-server

# Its client certificate and serving certificate, signed by the cluster's CA, in <dir> (a
# temporary folder of the caller: nothing of it stays in the cluster's pki/).
metrics_server_pki() { # pki dir
  local pki=$1 dir=$2
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/client.key" 2>/dev/null
  openssl req -new -key "$dir/client.key" -subj "/CN=$METRICS_SERVER_USER" -out "$dir/client.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$dir/client.ext"
  openssl x509 -req -in "$dir/client.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -CAserial "$dir/ca.srl" \
    -days 1 -sha256 -extfile "$dir/client.ext" -out "$dir/client.crt" 2>/dev/null
  # The aggregator checks the name metrics-server.kube-system.svc against the APIService's caBundle.
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/serving.key" 2>/dev/null
  openssl req -new -key "$dir/serving.key" -subj "/CN=metrics-server.kube-system.svc" -out "$dir/serving.csr"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:metrics-server.kube-system.svc,IP:%s\n' \
    "$CLUSTER_DNS_IP" >"$dir/serving.ext"
  openssl x509 -req -in "$dir/serving.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAserial "$dir/ca.srl" \
    -days 1 -sha256 -extfile "$dir/serving.ext" -out "$dir/serving.crt" 2>/dev/null
  chmod 600 "$dir/client.key" "$dir/serving.key"
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:${LOCAL_CLUSTER_API_PORT:-16443}
    certificate-authority: $pki/ca.crt
users:
- name: metrics-server
  user:
    client-certificate: $dir/client.crt
    client-key: $dir/client.key
contexts:
- name: local
  context: { cluster: local, user: metrics-server }
current-context: local
EOF
  chmod 600 "$dir/kubeconfig"
}

# Upstream's RBAC (its manifests' system:metrics-server role and bindings) for the user above,
# the Service without selector and its EndpointSlice at <address>:<port>, the APIService.
metrics_server_objects() { # ca-file address port
  cat <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:metrics-server" }
rules:
- { apiGroups: [""], resources: [nodes/metrics], verbs: [get] }
- { apiGroups: [""], resources: [pods, nodes], verbs: [get, list, watch] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:metrics-server" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-server" }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: $METRICS_SERVER_USER }]
---
# Delegated authentication and authorization of the API server's proxied requests.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "metrics-server:system:auth-delegator" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:auth-delegator" }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: $METRICS_SERVER_USER }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: metrics-server-auth-reader, namespace: kube-system }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader }
subjects: [{ apiGroup: rbac.authorization.k8s.io, kind: User, name: $METRICS_SERVER_USER }]
---
apiVersion: v1
kind: Service
metadata: { name: metrics-server, namespace: kube-system }
spec:
  ports: [{ name: https, port: 443, targetPort: $3, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: metrics-server-host
  namespace: kube-system
  labels: { kubernetes.io/service-name: metrics-server, endpointslice.kubernetes.io/managed-by: django-k8s-hpa-check }
addressType: IPv4
endpoints: [{ addresses: ["$2"], conditions: { ready: true } }]
ports: [{ name: https, port: $3, protocol: TCP }]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io }
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: { name: metrics-server, namespace: kube-system, port: 443 }
  caBundle: $(base64 -w0 <"$1")
  groupPriorityMinimum: 100
  versionPriority: 100
EOF
}

# Started in the background of the caller (its pid in $!), logging to <dir>/metrics-server.log.
# The kubelet's serving certificate is self-signed (not verified); its port is the node status's
# (16250); 15 s resolution so the HPA sees a change within one of its 15 s syncs.
metrics_server_start() { # bin-dir dir address port
  "$1/metrics-server" \
    --bind-address "$3" --secure-port "$4" \
    --tls-cert-file "$2/serving.crt" --tls-private-key-file "$2/serving.key" \
    --kubeconfig "$2/kubeconfig" --authentication-kubeconfig "$2/kubeconfig" --authorization-kubeconfig "$2/kubeconfig" \
    --kubelet-use-node-status-port --kubelet-preferred-address-types InternalIP --kubelet-insecure-tls \
    --metric-resolution 15s >"$2/metrics-server.log" 2>&1 &
}
