/**
 * The GCP side of the one seam (AppBackends): Cloud SQL through the Auth Proxy sidecar,
 * Memorystore over TLS, the CDN bucket for static files, Workload Identity for the pods.
 * A pure mapping from what the GCP stack built; the minikube stack mirrors it with
 * minikubeBackends.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { CloudSqlPostgres } from "../components/gcp/CloudSqlPostgres";
import {
  CLOUD_SQL_PROXY_SERVER_PORT,
  cloudSqlProxySidecar,
  PROXY_PORT,
} from "../components/gcp/cloudSqlProxy";
import { MEMORYSTORE_TLS_PORT, type MemorystoreRedis } from "../components/gcp/MemorystoreRedis";
import { type Network, PRIVATE_GOOGLE_APIS_CIDR } from "../components/gcp/Network";
import type { StaticSiteCdn } from "../components/gcp/StaticSiteCdn";
import type { WorkloadIdentity } from "../components/gcp/WorkloadIdentity";
import type { AppBackends } from "../components/k8s/djangoApp/backends";
import { toCidrs } from "../components/k8s/specs/networkPolicies";

/** What gcpBackends turns into the app's AppBackends. */
export interface GcpBackendSources {
  /** Cloud SQL and Memorystore have their private IPs in its private service range. */
  network: Network;
  /** The nodes' subnet: Dataplane V2 answers metadata-server traffic from the node's IP. */
  subnetCidr: string;
  database: CloudSqlPostgres;
  /** The PostgresCredentials Secret holding the database's name, user and password. */
  credentialsSecretName: pulumi.Input<string>;
  redis: MemorystoreRedis;
  staticSite: StaticSiteCdn;
  /** The Google identities of the app's pods and of the collectstatic Job. */
  identities: { app: WorkloadIdentity; uploader: WorkloadIdentity };
}

/** The managed services, as the one seam DjangoApp knows. Creates nothing. */
export function gcpBackends(sources: GcpBackendSources): AppBackends {
  const { network, database, redis, staticSite, identities } = sources;
  return {
    // Through the Cloud SQL Auth Proxy beside every pod that talks to the database.
    database: { host: "127.0.0.1", port: PROXY_PORT, credentialsSecretName: sources.credentialsSecretName },
    redisUrl: redis.url,
    // Memorystore's CA is unique to the instance, so the chain check pins the server; its
    // certificate is not guaranteed to name the private IP clients connect to.
    redisTls: { caCert: redis.caCert, checkHostname: false },
    staticFiles: {
      kind: "bucket",
      bucket: staticSite.bucket.name,
      publicUrl: staticSite.publicUrl,
      uploaderServiceAccountAnnotations: identities.uploader.annotations,
    },
    podExtras: {
      sidecars: [cloudSqlProxySidecar(database.connectionName)],
      serviceAccountAnnotations: identities.app.annotations,
    },
    network: gcpAppNetwork(network.privateServiceCidr, sources.subnetCidr),
  };
}

/** Where the app's pods on GKE may connect: the same for a stack and its previews. */
export function gcpAppNetwork(
  privateServiceCidr: pulumi.Input<string>,
  subnetCidr: pulumi.Input<string>,
): AppBackends["network"] {
  return {
    // Cloud SQL (the proxy's port) and Memorystore (its TLS port) live in the private service range.
    database: [toCidrs([privateServiceCidr], [CLOUD_SQL_PROXY_SERVER_PORT])],
    redis: [toCidrs([privateServiceCidr], [MEMORYSTORE_TLS_PORT])],
    cloudApis: [
      // Google APIs (the proxy's calls, Cloud Storage) on 443, only on the Private Google
      // Access range the VPC's DNS zone resolves them to (Network.ts): nothing else public.
      toCidrs([PRIVATE_GOOGLE_APIS_CIDR], [443]),
      // The GKE metadata server for Workload Identity tokens; Dataplane V2 rewrites it to the node's IP.
      toCidrs(["169.254.169.254/32"], [80, 988]),
      toCidrs([subnetCidr], [988]),
    ],
  };
}
