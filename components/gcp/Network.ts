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
    const scope: Scope = { name, args, opts: { parent: this, dependsOn: args.dependsOn } };
    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      { project: args.project, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
      scope.opts,
    );
    this.subnet = createSubnet(scope, this.network);
    createNat(scope, this.network);
    const psa = createPrivateServiceAccess(scope, this.network);
    this.privateServiceRange = psa.range;
    this.privateServiceCidr = pulumi.interpolate`${psa.range.address}/${PSA_PREFIX}`;
    this.serviceNetworking = psa.connection;
    this.registerOutputs({ network: this.network.id, subnet: this.subnet.id });
  }
}

interface Scope {
  name: string;
  args: NetworkArgs;
  opts: pulumi.CustomResourceOptions;
}

/** The nodes' subnet, with the pods' and Services' secondary ranges and flow logs. */
function createSubnet({ name, args, opts }: Scope, network: gcp.compute.Network): gcp.compute.Subnetwork {
  return new gcp.compute.Subnetwork(
    `${name}-subnet`,
    {
      project: args.project,
      region: args.region,
      network: network.id,
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
    opts,
  );
}

/** Cloud NAT: private nodes reach the internet (image pulls, the load generator's target). */
function createNat({ name, args, opts }: Scope, network: gcp.compute.Network): void {
  const { project, region } = args;
  const router = new gcp.compute.Router(`${name}-router`, { project, region, network: network.id }, opts);
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
    opts,
  );
}

/** A reserved range peered with Google's service network, where the managed services live. */
function createPrivateServiceAccess({ name, args, opts }: Scope, network: gcp.compute.Network) {
  const range = new gcp.compute.GlobalAddress(
    `${name}-psa-range`,
    {
      project: args.project,
      network: network.id,
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
      prefixLength: PSA_PREFIX,
    },
    opts,
  );
  const connection = new gcp.servicenetworking.Connection(
    `${name}-psa`,
    {
      network: network.id,
      service: "servicenetworking.googleapis.com",
      reservedPeeringRanges: [range.name],
      // Google removes the peering itself once the last producer (Cloud SQL, Memorystore)
      // is gone; deleting it ourselves fails while they are still being torn down, which
      // is what used to leave `pulumi destroy` of dev stuck.
      deletionPolicy: "ABANDON",
    },
    opts,
  );
  return { range, connection };
}
