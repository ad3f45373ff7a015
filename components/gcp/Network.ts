/**
 * The VPC: one subnet with secondary ranges for pods and Services (VPC-native GKE) and
 * Private Google Access; a private DNS zone that resolves every *.googleapis.com name to the
 * private.googleapis.com range, so pods reach Google APIs on that range only and their egress
 * can be limited to it; Cloud NAT on a reserved address (so Cloud Armor can name the load
 * generator, which leaves through it) for the rest of the internet; and Private Service Access
 * (a reserved range peered with Google's service network) for Cloud SQL and Memorystore,
 * which get private IPs only.
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

/**
 * private.googleapis.com: Google's documented range for Private Google Access to (nearly) all
 * Google APIs from private addresses. Not restricted.googleapis.com (199.36.153.4/30), which
 * serves only the APIs VPC Service Controls supports and is meant for a service perimeter this
 * project does not create.
 */
export const PRIVATE_GOOGLE_APIS_CIDR = "199.36.153.8/30";
const PRIVATE_GOOGLE_APIS_ADDRESSES = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"];

export class Network extends pulumi.ComponentResource {
  readonly network: gcp.compute.Network;
  readonly subnet: gcp.compute.Subnetwork;
  readonly privateServiceRange: gcp.compute.GlobalAddress;
  /** The private service range as a CIDR: where Cloud SQL and Memorystore get their IPs. */
  readonly privateServiceCidr: pulumi.Output<string>;
  /** Cloud SQL and Memorystore are created after this. */
  readonly serviceNetworking: gcp.servicenetworking.Connection;
  /** Cloud NAT's one external address: what the internet (and Cloud Armor) sees of this VPC. */
  readonly natAddress: gcp.compute.Address;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:Network", name, {}, opts);
    const scope: Scope = { name, args, opts: { parent: this, dependsOn: args.dependsOn } };
    this.network = new gcp.compute.Network(
      `${name}-vpc`,
      { project: args.project, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
      scope.opts,
    );
    this.subnet = createSubnet(scope, this.network);
    this.natAddress = createNat(scope, this.network);
    createGoogleApisZone(scope, this.network);
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

/**
 * Cloud NAT: private nodes reach the internet (image pulls, the load generator's target), from
 * one reserved address that rules elsewhere can name.
 */
function createNat({ name, args, opts }: Scope, network: gcp.compute.Network): gcp.compute.Address {
  const { project, region } = args;
  const address = new gcp.compute.Address(`${name}-nat-ip`, { project, region }, opts);
  const router = new gcp.compute.Router(`${name}-router`, { project, region, network: network.id }, opts);
  new gcp.compute.RouterNat(
    `${name}-nat`,
    {
      project,
      region,
      router: router.name,
      natIpAllocateOption: "MANUAL_ONLY",
      natIps: [address.selfLink],
      sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    },
    opts,
  );
  return address;
}

/**
 * Google's documented Private Google Access DNS: googleapis.com answered privately, the
 * private.googleapis.com name on its four addresses and every other name a CNAME to it. The
 * VPC's default route to the internet gateway carries the range (Google keeps it inside its network).
 */
function createGoogleApisZone({ name, args, opts }: Scope, network: gcp.compute.Network): void {
  const zone = new gcp.dns.ManagedZone(
    `${name}-googleapis`,
    {
      project: args.project,
      dnsName: "googleapis.com.",
      visibility: "private",
      description: "Private Google Access: Google APIs on private.googleapis.com",
      privateVisibilityConfig: { networks: [{ networkUrl: network.id }] },
    },
    opts,
  );
  const record = (suffix: string, recordName: string, type: string, rrdatas: string[]) =>
    new gcp.dns.RecordSet(
      `${name}-googleapis-${suffix}`,
      { project: args.project, managedZone: zone.name, name: recordName, type, ttl: 300, rrdatas },
      opts,
    );
  record("private", "private.googleapis.com.", "A", PRIVATE_GOOGLE_APIS_ADDRESSES);
  record("wildcard", "*.googleapis.com.", "CNAME", ["private.googleapis.com."]);
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
