/**
 * What the in-cluster data stores (PostgreSQL, Redis) share: one workload known by its app and
 * component labels, one port, a Service with a fixed DNS name, and an ingress policy that
 * admits only the given clients. Each store says what it is once (a StoreShape) and these
 * builders derive the rest.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { selectorLabels, standardLabels } from "./labels";
import { type EgressRule, ingressPolicy, type NetworkPolicyPeer, tcp, toPods } from "./networkPolicies";
import { checkovSkips } from "./scannerSkips";
import { serviceArgs } from "./services";

export interface StoreShape {
  /** The Service's DNS name, the workload's name and its `app.kubernetes.io/name`. */
  name: string;
  component: string;
  port: number;
  /** The container port's name, which the Service targets. */
  portName: string;
}

/** What every store's StatefulSet or Deployment carries: its labels, selector and scanner skips. */
export function storeWorkloadMeta(store: StoreShape, namespace: pulumi.Input<string>) {
  return {
    metadata: {
      name: store.name,
      namespace,
      labels: standardLabels(store.name, store.component),
      // Runs as the image's own non-root user (CKV_K8S_40), pinned by digest.
      annotations: checkovSkips("CKV_K8S_15", "CKV_K8S_40"),
    },
    selector: { matchLabels: selectorLabels(store.name, store.component) },
    podLabels: standardLabels(store.name, store.component),
  };
}

/** How a client pod reaches the store: an egress rule for the clients' own policies. */
export function storeEgress(store: StoreShape): EgressRule {
  return toPods(selectorLabels(store.name, store.component), store.port);
}

/** The Service at the store's fixed name, and the policy that admits only `clients` to its port. */
export function createStoreEndpoint(
  name: string,
  store: StoreShape,
  namespace: pulumi.Input<string>,
  clients: NetworkPolicyPeer[],
  parent: pulumi.Resource,
): k8s.core.v1.Service {
  const service = new k8s.core.v1.Service(
    `${name}-svc`,
    serviceArgs({
      name: store.name,
      namespace,
      app: store.name,
      component: store.component,
      port: store.port,
      targetPort: store.portName,
      portName: store.portName,
    }),
    { parent },
  );
  ingressPolicy(
    `${name}-ingress`,
    namespace,
    { matchLabels: selectorLabels(store.name, store.component) },
    [{ from: clients, ports: [tcp(store.port)] }],
    { parent },
  );
  return service;
}

/**
 * The Service's name, resolved only once the workload is ready (its readiness probe passes),
 * so whatever is configured with it (the migration Job first) meets a store that answers.
 */
export function hostWhenReady(
  service: k8s.core.v1.Service,
  workload: k8s.apps.v1.StatefulSet | k8s.apps.v1.Deployment,
): pulumi.Output<string> {
  return pulumi.all([service.metadata.name, workload.metadata.name]).apply(([host]) => host);
}
