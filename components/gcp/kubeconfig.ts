/**
 * A kubeconfig for a GKE cluster's DNS endpoint that authenticates with gke-gcloud-auth-plugin:
 * no static credentials in it, so it is safe to hand out (still marked secret, it names the
 * endpoint). The DNS endpoint serves a publicly trusted certificate, so no CA is pinned here.
 */
export function gkeKubeconfig(clusterName: string, dnsEndpoint: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: ${clusterName}
    cluster:
      server: https://${dnsEndpoint}
contexts:
  - name: ${clusterName}
    context:
      cluster: ${clusterName}
      user: ${clusterName}
current-context: ${clusterName}
users:
  - name: ${clusterName}
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: gke-gcloud-auth-plugin
        installHint: Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)
        provideClusterInfo: true
`;
}
