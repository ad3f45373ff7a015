/**
 * What the mocks answer for each resource: its inputs plus the computed fields real
 * providers would fill in, so outputs resolve to realistic values instead of undefined.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Recognisable so the secret-leak tests can search every rendered file for it. */
export function mockSecretValue(name: string): string {
  return `MOCKSECRET${createHash("sha256").update(name).digest("hex").slice(0, 24)}`;
}

function short(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 7);
}

/** What a computed-field rule sees: the resource's name, inputs, and its project and region. */
interface GcpResource {
  name: string;
  inputs: Record<string, any>;
  project: string;
  region: string;
}
type Computed = (r: GcpResource) => Record<string, unknown>;

const nameOnly: Computed = ({ name, inputs }) => ({ name: inputs.name ?? name });
const namedLink: Computed = ({ name, inputs, project }) => ({
  name: inputs.name ?? name,
  selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/${name}`,
});
/** A last octet from the name, so each address differs and stays the same across runs. */
const octet = (name: string) => 1 + (Number.parseInt(short(name), 16) % 250);

/** Computed fields of the Google Cloud resources the program reads back, by resource type. */
const GCP_COMPUTED: Record<string, Computed> = {
  "gcp:serviceaccount/account:Account": ({ inputs, project }) => {
    const email = `${inputs.accountId}@${project}.iam.gserviceaccount.com`;
    return { email, member: `serviceAccount:${email}`, name: `projects/${project}/serviceAccounts/${email}` };
  },
  "gcp:container/cluster:Cluster": ({ name, inputs, region }) => ({
    name: inputs.name ?? name,
    endpoint: "34.1.2.3",
    controlPlaneEndpointsConfig: {
      ...inputs.controlPlaneEndpointsConfig,
      dnsEndpointConfig: {
        ...inputs.controlPlaneEndpointsConfig?.dnsEndpointConfig,
        endpoint: `gke-${short(name)}0123456789abcdef-123456789.${region}.gke.goog`,
      },
    },
    masterAuth: {
      ...inputs.masterAuth,
      clusterCaCertificate: Buffer.from(`mock CA of ${name}`).toString("base64"),
    },
  }),
  "gcp:sql/databaseInstance:DatabaseInstance": ({ name, inputs, project, region }) => ({
    name: inputs.name ?? name,
    connectionName: `${project}:${region}:${inputs.name ?? name}`,
    privateIpAddress: "10.30.0.3",
  }),
  "gcp:sql/database:Database": nameOnly,
  "gcp:sql/user:User": nameOnly,
  "gcp:redis/instance:Instance": ({ name }) => ({
    host: "10.30.1.4",
    port: 6378,
    authString: mockSecretValue(`${name}-auth`),
    serverCaCerts: [{ cert: `-----BEGIN CERTIFICATE-----\nmock CA of ${name}\n-----END CERTIFICATE-----` }],
  }),
  "gcp:compute/globalAddress:GlobalAddress": ({ name, inputs }) => ({
    name: inputs.name ?? name,
    // The private service range is internal; the load balancers' addresses are public.
    address: inputs.purpose === "VPC_PEERING" ? "10.30.0.0" : `34.120.0.${octet(name)}`,
  }),
  "gcp:projects/iAMCustomRole:IAMCustomRole": ({ inputs, project }) => ({
    name: `projects/${project}/roles/${inputs.roleId}`,
  }),
  // A regional external address (Cloud NAT's).
  "gcp:compute/address:Address": ({ name, inputs }) => ({
    name: inputs.name ?? name,
    address: `35.187.0.${octet(name)}`,
  }),
  "gcp:storage/bucket:Bucket": ({ name, inputs }) => ({
    name: inputs.name ?? `${name}-${short(name)}`,
    url: `gs://${name}`,
  }),
  "gcp:compute/network:Network": namedLink,
  "gcp:compute/subnetwork:Subnetwork": namedLink,
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ({ inputs }) => ({
    name: `projects/123456789/locations/global/workloadIdentityPools/${inputs.workloadIdentityPoolId}`,
  }),
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": ({ inputs }) => ({
    name: `projects/123456789/locations/global/workloadIdentityPools/${inputs.workloadIdentityPoolId}/providers/${inputs.workloadIdentityPoolProviderId}`,
  }),
  // The CNAME Certificate Manager asks for, to prove control of the domain.
  "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": ({ name, inputs }) => ({
    name: inputs.name ?? name,
    dnsResourceRecords: [
      {
        name: `_acme-challenge.${inputs.domain}.`,
        type: "CNAME",
        data: `${short(name)}.1.authorize.certificatemanager.goog.`,
      },
    ],
  }),
  "gcp:artifactregistry/repository:Repository": ({ name, inputs }) => ({
    repositoryId: inputs.repositoryId ?? name,
  }),
};

/** Any other Google resource: its name and a global self link. */
const gcpDefault: Computed = ({ name, inputs, project }) => ({
  name: inputs.name ?? name,
  selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/global/${name}`,
});

function gcpComputed(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
  const resource = {
    name,
    inputs,
    project: inputs.project ?? "mock-project",
    region: inputs.region ?? "europe-west1",
  };
  return (GCP_COMPUTED[type] ?? gcpDefault)(resource);
}

/** Other stacks' outputs by full name (organization/project/stack), for StackReferences to them. */
export type ReferencedStacks = Record<string, Record<string, { value: unknown; secret: boolean }>>;

export function mockResourceState(
  args: pulumi.runtime.MockResourceArgs,
  referenced: ReferencedStacks = {},
): {
  id: string;
  state: Record<string, any>;
} {
  const inputs = structuredClone(args.inputs ?? {});
  switch (args.type) {
    case "random:index/randomPassword:RandomPassword":
      return { id: args.name, state: { ...inputs, result: mockSecretValue(args.name) } };
    case "random:index/randomId:RandomId":
      return {
        id: args.name,
        state: { ...inputs, hex: short(args.name).slice(0, 2 * (inputs.byteLength ?? 4)) },
      };
    case "pulumi:pulumi:StackReference": {
      // A referenced stack synthesized first (a preview's parent) answers with its outputs;
      // any other, as on a first deploy, has none yet.
      const outputs = referenced[inputs.name] ?? {};
      return {
        id: inputs.name ?? args.name,
        state: {
          ...inputs,
          outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value])),
          secretOutputNames: Object.keys(outputs).filter((k) => outputs[k]?.secret),
        },
      };
    }
    case "docker-build:index:Image":
      return {
        id: args.name,
        state: {
          ...inputs,
          ref: inputs.tags?.[0] ?? `${args.name}:latest`,
          digest: `sha256:${createHash("sha256").update(args.name).digest("hex")}`,
          contextHash: short(args.name),
        },
      };
  }
  if (args.type.startsWith("kubernetes:") && !args.type.startsWith("pulumi:providers:")) {
    inputs.metadata ??= {};
    const metadata = inputs.metadata;
    // The provider auto-names an object without metadata.name: logical name plus a suffix.
    metadata.name ??= `${args.name}-${short(args.name)}`;
    if (args.type === "kubernetes:core/v1:Service" && inputs.spec?.type === "NodePort") {
      // A stable port from the NodePort range, distinct per Service.
      const base = 30000 + (Number.parseInt(short(args.name), 16) % 2000);
      inputs.spec.ports = inputs.spec.ports.map((port: any, i: number) => ({
        ...port,
        nodePort: port.nodePort ?? base + i,
      }));
    }
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    return { id, state: inputs };
  }
  if (args.type.startsWith("gcp:") && !args.type.startsWith("pulumi:providers:")) {
    return {
      id: gcpId(args.type, args.name, inputs),
      state: { ...inputs, ...gcpComputed(args.type, args.name, inputs) },
    };
  }
  return { id: `${args.name}-id`, state: inputs };
}

/** Resource IDs where the program uses them (KMS key paths). */
function gcpId(type: string, name: string, inputs: Record<string, any>): string {
  if (type === "gcp:kms/keyRing:KeyRing")
    return `projects/${inputs.project}/locations/${inputs.location}/keyRings/${inputs.name}`;
  if (type === "gcp:kms/cryptoKey:CryptoKey") return `${inputs.keyRing}/cryptoKeys/${inputs.name}`;
  return `${name}-id`;
}

/** Answers to provider functions (invokes). */
export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  if (args.token === "gcp:organizations/getClientConfig:getClientConfig") {
    return {
      accessToken: mockSecretValue("access-token"),
      project: "mock-project",
      region: "europe-west1",
      id: "client",
    };
  }
  // The project number names Google's service agents (GKE's, for the secrets key).
  if (args.token === "gcp:organizations/getProject:getProject")
    return { ...args.inputs, number: "123456789012" };
  return args.inputs;
}
