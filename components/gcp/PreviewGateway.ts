/**
 * The one entry point every preview of a GCP stack shares (docs/previews.md): a GKE Gateway
 * (one global external Application Load Balancer) on a reserved address, and one DNS-authorized
 * wildcard certificate `*.<domain>` in a Certificate Manager map. Created once by the parent;
 * each preview adds only an HTTPRoute for pr-<number>.<domain>. A certificate or load balancer
 * per preview would take minutes to provision (a managed certificate up to an hour) and cost
 * a forwarding rule each.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ownershipLabels } from "../k8s/specs/labels";

export interface PreviewGatewayArgs {
  project: string;
  /** Previews are served at pr-<number>.<domain>. */
  domain: string;
  /** Where the Gateway object lives (the parent's namespace). */
  namespace: pulumi.Input<string>;
  /** Namespaces whose HTTPRoutes may attach: the parent's previews (their PREVIEW_OF_LABEL). */
  routeNamespaces: Record<string, string>;
  /** The compute and certificatemanager APIs. */
  dependsOn: pulumi.Resource[];
}

/** GKE's class for a global external Application Load Balancer. */
export const PREVIEW_GATEWAY_CLASS = "gke-l7-global-external-managed";
export const PREVIEW_GATEWAY_NAME = "previews";
export const PREVIEW_GATEWAY_LISTENER = "https";

export class PreviewGateway extends pulumi.ComponentResource {
  readonly address: gcp.compute.GlobalAddress;
  readonly certificate: gcp.certificatemanager.Certificate;
  readonly gateway: k8s.apiextensions.CustomResource;
  /** What the domain's zone needs: the certificate's DNS authorization and the wildcard A record. */
  readonly dnsRecords: pulumi.Output<{ name: string; type: string; data: string }[]>;

  constructor(name: string, args: PreviewGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:PreviewGateway", name, {}, opts);
    const onGcp = { parent: this, dependsOn: args.dependsOn };
    const { project, domain } = args;
    this.address = new gcp.compute.GlobalAddress(`${name}-ip`, { project }, onGcp);
    const authorization = new gcp.certificatemanager.DnsAuthorization(
      `${name}-dns-auth`,
      { project, domain, description: `Proves control of ${domain} for the previews' wildcard certificate` },
      onGcp,
    );
    this.certificate = new gcp.certificatemanager.Certificate(
      `${name}-wildcard`,
      { project, managed: { domains: [`*.${domain}`], dnsAuthorizations: [authorization.id] } },
      onGcp,
    );
    const map = new gcp.certificatemanager.CertificateMap(`${name}-certs`, { project }, onGcp);
    const entry = new gcp.certificatemanager.CertificateMapEntry(
      `${name}-wildcard-entry`,
      { project, map: map.name, hostname: `*.${domain}`, certificates: [this.certificate.id] },
      onGcp,
    );
    this.gateway = new k8s.apiextensions.CustomResource(
      `${name}-gateway`,
      previewGatewayArgs(args, map.name, this.address.name),
      { parent: this, dependsOn: [entry] },
    );
    this.dnsRecords = pulumi
      .all([authorization.dnsResourceRecords, this.address.address])
      .apply(([proofs, ip]) => [
        ...proofs.map((proof) => ({ name: proof.name, type: proof.type, data: proof.data })),
        { name: `*.${domain}.`, type: "A", data: ip },
      ]);
    this.registerOutputs({ address: this.address.address });
  }
}

/** The Gateway: HTTPS only, certificates from the map, routes only from the parent's previews. Pure. */
export function previewGatewayArgs(
  args: Pick<PreviewGatewayArgs, "namespace" | "routeNamespaces">,
  certificateMap: pulumi.Input<string>,
  address: pulumi.Input<string>,
): k8s.apiextensions.CustomResourceArgs {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: {
      name: PREVIEW_GATEWAY_NAME,
      namespace: args.namespace,
      labels: ownershipLabels(),
      annotations: { "networking.gke.io/certmap": certificateMap },
    },
    spec: {
      gatewayClassName: PREVIEW_GATEWAY_CLASS,
      addresses: [{ type: "NamedAddress", value: address }],
      listeners: [
        {
          name: PREVIEW_GATEWAY_LISTENER,
          protocol: "HTTPS",
          port: 443,
          allowedRoutes: {
            kinds: [{ kind: "HTTPRoute" }],
            namespaces: { from: "Selector", selector: { matchLabels: args.routeNamespaces } },
          },
        },
      ],
    },
  };
}
