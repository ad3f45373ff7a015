/**
 * The VPC: one subnet with secondary ranges for pods and Services (VPC-native GKE) and
 * Private Google Access; Cloud NAT so private nodes reach the internet; and Private Service
 * Access (a reserved range peered with Google's service network) for Cloud SQL and
 * Memorystore, which get private IPs only.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkArgs {
  project: string;
  region: string;
  subnetCidr: string;
  podsCidr: string;
  servicesCidr: string;
  dependsOn: pulumi.Resource[];
}

export const PODS_RANGE = "pods";
const PSA_PREFIX = 16;
export const SERVICES_RANGE = "services";

export class Network extends pulumi.ComponentResource {
  readonly network: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
  readonly privateServiceRange: gcp.compute.GlobalAddress;
  /** The private service range as a CIDR: where Cloud SQL and Memorystore get their IPs. */
  readonly privateServiceCidr: pulumi.Output<string>;
  /** Cloud SQL and Memorystore are created after this. */
  readonly serviceNetworking: gcp.servicenetworking.Connection;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:Network", name, {}, opts);
    const parent = { parent: this, dependsOn: args.dependsOn };
    const { project, region } = args;

    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      { project, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
      parent,
    );
    this.subnet = new gcp.compute.Subnetwork(
      `${name}-subnet`,
      {
        project,
        region,
        network: this.network.id,
        ipCidrRange: args.subnetCidr,
        privateIpGoogleAccess: true,
        secondaryIpRanges: [
          { rangeName: PODS_RANGE, ipCidrRange: args.podsCidr },
          { rangeName: SERVICES_RANGE, ipCidrRange: args.servicesCidr },
        ],
        logConfig: {
          aggregationInterval: "INTERVAL_5_SEC",
          flowSampling: 0.5,
          metadata: "INCLUDE_ALL_METADATA",
        },
      },
      parent,
    );
    const router = new gcp.compute.Router(
      `${name}-router`,
      { project, region, network: this.network.id },
      parent,
    );
    new gcp.compute.RouterNat(
      `${name}-nat`,
      {
        project,
        region,
        router: router.name,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      parent,
    );

    this.privateServiceRange = new gcp.compute.GlobalAddress(
      `${name}-psa-range`,
      {
        project,
        network: this.network.id,
        purpose: "VPC_PEERING",
        addressType: "INTERNAL",
        prefixLength: PSA_PREFIX,
      },
      parent,
    );
    this.privateServiceCidr = pulumi.interpolate`${this.privateServiceRange.address}/${PSA_PREFIX}`;
    this.serviceNetworking = new gcp.servicenetworking.Connection(
      `${name}-psa`,
      {
        network: this.network.id,
        service: "servicenetworking.googleapis.com",
        reservedPeeringRanges: [this.privateServiceRange.name],
        // Google removes the peering itself once the last producer (Cloud SQL, Memorystore)
        // is gone; deleting it ourselves fails while they are still being torn down, which
        // is what used to leave `pulumi destroy` of dev stuck.
        deletionPolicy: "ABANDON",
      },
      parent,
    );
    this.registerOutputs({ network: this.network.id, subnet: this.subnet.id });
  }
}
