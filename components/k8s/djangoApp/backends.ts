/**
 * The one seam between DjangoApp and a platform (docs/architecture.md): where the database,
 * Redis and static files are, and what the platform adds to the app's pods and network policies.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { EgressRule } from "../specs/networkPolicies";

/**
 * The one seam between platforms: what DjangoApp needs from its surroundings. The minikube
 * stack builds it from in-cluster pods, the GCP stack from managed services; DjangoApp never
 * knows which.
 */
export interface AppBackends {
  database: {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    /**
     * A Secret in the app namespace with POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD:
     * on minikube the very Secret the database pod reads, so the credentials exist once.
     */
    credentialsSecretName: pulumi.Input<string>;
  };
  /** redis:// or rediss:// with the password in it; a Pulumi secret. */
  redisUrl: pulumi.Input<string>;
  /** For a rediss:// URL: the CA that signed the server certificate, mounted as a file. */
  redisTls?: {
    caCert: pulumi.Input<string>;
    /** false when the server certificate does not name the address (the CA is still checked). */
    checkHostname: boolean;
  };
  staticFiles:
    | { kind: "app" }
    | {
        kind: "bucket";
        bucket: pulumi.Input<string>;
        publicUrl: pulumi.Input<string>;
        /** On the collectstatic Job's ServiceAccount: the identity allowed to write the bucket. */
        uploaderServiceAccountAnnotations: Record<string, pulumi.Input<string>>;
      };
  /** Where the app's pods may connect (the namespace denies everything else). */
  network: {
    /** For web, worker, beat and the migration Job (on GCP: the proxy sidecar to Cloud SQL). */
    database: EgressRule[];
    /** For every app pod that talks to Redis. */
    redis: EgressRule[];
    /** For pods calling Google APIs (the Cloud SQL proxy, collectstatic): endpoints and the metadata server. */
    cloudApis?: EgressRule[];
  };
  podExtras?: {
    /** Native sidecars (init containers with restartPolicy Always), e.g. the Cloud SQL Auth Proxy. */
    sidecars?: k8s.types.input.core.v1.Container[];
    /** On the pods' ServiceAccount, e.g. the Workload Identity binding. */
    serviceAccountAnnotations?: Record<string, pulumi.Input<string>>;
  };
}
