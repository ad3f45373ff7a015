/**
 * A small evaluator of Kubernetes NetworkPolicy semantics over rendered manifests, so tests can
 * prove which connections the policies allow: a connection is allowed when the source's egress
 * and the destination's ingress both allow it (a pod no policy selects for a direction is open
 * in that direction). Covers what this project uses: pod and namespace selectors with
 * matchLabels/matchExpressions, ipBlock with except, ports and protocols.
 */
import * as ipaddr from "ipaddr.js";

type Json = Record<string, any>;

export interface Endpoint {
  namespace?: string;
  labels?: Record<string, string>;
  /** For an address outside the cluster's pods. */
  ip?: string;
}

function matchesSelector(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const present = expression.key in labels;
    const value = labels[expression.key];
    const ok =
      expression.operator === "In"
        ? present && expression.values.includes(value)
        : expression.operator === "NotIn"
          ? !present || !expression.values.includes(value)
          : expression.operator === "Exists"
            ? present
            : !present;
    if (!ok) return false;
  }
  return true;
}

function inCidr(ip: string, block: Json): boolean {
  const address = ipaddr.parse(ip);
  const [net, bits] = ipaddr.parseCIDR(block.cidr);
  if (address.kind() !== net.kind() || !address.match(net, bits)) return false;
  return !(block.except ?? []).some((except: string) => {
    const [exceptNet, exceptBits] = ipaddr.parseCIDR(except);
    return address.match(exceptNet, exceptBits);
  });
}

function peerMatches(peer: Json, other: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) return other.ip !== undefined && inCidr(other.ip, peer.ipBlock);
  if (other.ip !== undefined) return false; // selectors only match pods
  const namespaceLabels = { "kubernetes.io/metadata.name": other.namespace ?? "" };
  if (peer.namespaceSelector && !matchesSelector(peer.namespaceSelector, namespaceLabels)) return false;
  if (!peer.namespaceSelector && other.namespace !== policyNamespace) return false;
  return matchesSelector(peer.podSelector, other.labels ?? {});
}

function portMatches(ports: Json[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port));
}

function directionAllows(
  policies: Json[],
  subject: Endpoint,
  other: Endpoint,
  direction: "Ingress" | "Egress",
  port: number,
  protocol: string,
): boolean {
  if (subject.ip !== undefined) return true; // outside the cluster: no policy applies
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === subject.namespace &&
      (p.spec.policyTypes ?? ["Ingress"]).includes(direction) &&
      matchesSelector(p.spec.podSelector, subject.labels ?? {}),
  );
  if (selecting.length === 0) return true;
  const field = direction === "Ingress" ? "ingress" : "egress";
  const peers = direction === "Ingress" ? "from" : "to";
  return selecting.some((policy) =>
    (policy.spec[field] ?? []).some(
      (rule: Json) =>
        portMatches(rule.ports, port, protocol) &&
        (!rule[peers] ||
          rule[peers].length === 0 ||
          rule[peers].some((peer: Json) => peerMatches(peer, other, policy.metadata.namespace))),
    ),
  );
}

export function connectionAllowed(
  policies: Json[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
): boolean {
  return (
    directionAllows(policies, from, to, "Egress", port, protocol) &&
    directionAllows(policies, to, from, "Ingress", port, protocol)
  );
}
