/**
 * NetworkPolicy builders. The app namespace denies all traffic by default; each workload then
 * opens exactly what it needs (DNS for everyone, web from anywhere, the data stores from the
 * pods that use them, ...). Pure; the components that own the pods create their policies.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ownershipLabels } from "./labels";

export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
export type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
export type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Selector = k8s.types.input.meta.v1.LabelSelector;

export function tcp(port: number) {
  return { port, protocol: "TCP" };
}

/** Egress to pods of this namespace, on one port. */
export function toPods(selector: Record<string, string>, port: number): EgressRule {
  return { to: [{ podSelector: { matchLabels: selector } }], ports: [tcp(port)] };
}

/** Egress to addresses, on the given ports. */
export function toCidrs(cidrs: pulumi.Input<string>[], ports: number[], except?: string[]): EgressRule {
  return {
    to: cidrs.map((cidr) => ({ ipBlock: { cidr, ...(except ? { except } : {}) } })),
    ports: ports.map(tcp),
  };
}

/** The pods of one app (app.kubernetes.io/name), optionally only some of its components. */
export function appSelector(name: string, components?: string[]): Selector {
  return {
    matchLabels: { "app.kubernetes.io/name": name },
    ...(components
      ? { matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: components }] }
      : {}),
  };
}

/** Those pods, in this namespace, as a peer of a rule. */
export function podsOf(name: string, components?: string[]): NetworkPolicyPeer {
  return { podSelector: appSelector(name, components) };
}

/** Every pod of another namespace. */
export function namespacePods(namespace: string): NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } };
}

/** Everything but private ranges: public endpoints such as Google APIs. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

function policy(
  name: string,
  namespace: pulumi.Input<string>,
  spec: k8s.types.input.networking.v1.NetworkPolicySpec,
  opts: pulumi.CustomResourceOptions,
) {
  return new k8s.networking.v1.NetworkPolicy(
    name,
    { metadata: { name, namespace, labels: ownershipLabels() }, spec },
    opts,
  );
}

/** Deny everything in and out for every pod of the namespace, then allow DNS to kube-dns. */
export function namespaceBaseline(namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
  return [
    policy("default-deny", namespace, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, opts),
    policy(
      "allow-dns",
      namespace,
      {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { port: 53, protocol: "UDP" },
              { port: 53, protocol: "TCP" },
            ],
          },
        ],
      },
      opts,
    ),
  ];
}

export function ingressPolicy(
  name: string,
  namespace: pulumi.Input<string>,
  podSelector: Selector,
  rules: IngressRule[],
  opts: pulumi.CustomResourceOptions,
) {
  return policy(name, namespace, { podSelector, policyTypes: ["Ingress"], ingress: rules }, opts);
}

export function egressPolicy(
  name: string,
  namespace: pulumi.Input<string>,
  podSelector: Selector,
  rules: EgressRule[],
  opts: pulumi.CustomResourceOptions,
) {
  return policy(name, namespace, { podSelector, policyTypes: ["Egress"], egress: rules }, opts);
}
