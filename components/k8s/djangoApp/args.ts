/**
 * What a stack hands DjangoApp: the image, the platform's backends, the settings and each
 * role's size and scaling. Its own file, so the steps (appWorkloads.ts, appNetwork.ts) read it
 * without importing the component.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceSizes } from "../specs/resources";
import type { CpuScaling, QueueScaling } from "../specs/scaling";
import type { DjangoSettings } from "./appSettings";
import type { AppBackends } from "./backends";

export interface ServiceExposure {
  type: "NodePort" | "ClusterIP" | "LoadBalancer";
  annotations?: Record<string, pulumi.Input<string>>;
  sourceRanges?: string[];
}

export interface DjangoAppArgs {
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  /** Never for images built into the node's Docker; IfNotPresent for tags and digests. */
  imagePullPolicy: "IfNotPresent" | "Always" | "Never";
  backends: AppBackends;
  django: DjangoSettings;
  /** `replicas` is the autoscaler's minimum; the autoscaler owns the live count. */
  web: {
    replicas: number;
    resources: ResourceSizes;
    service: ServiceExposure;
    scaling: CpuScaling;
    spreadAcrossZones?: boolean;
  };
  worker: {
    replicas: number;
    resources: ResourceSizes;
    shutdownSeconds: number;
    taskTimeLimitSeconds: number;
    /** Redis redelivers a task unacknowledged this long (CELERY_VISIBILITY_TIMEOUT); above the time limit. */
    visibilityTimeoutSeconds: number;
    scaling: CpuScaling | QueueScaling;
  };
  /** KEDA, when the worker scales on the queue. */
  keda?: pulumi.Resource;
  flower: {
    user: string;
    service: ServiceExposure;
    /**
     * Who may reach Flower's pods: "anywhere" (a NodePort, reached by a browser on the host
     * through the node) or only these client CIDRs; [] admits no one (kubectl port-forward
     * does not pass through NetworkPolicies).
     */
    allowFrom: "anywhere" | string[];
  };
  /**
   * Dev mode: the code comes from a claim on the host's working copy, web runs Django's
   * autoreloading server, the worker restarts on changes, DEBUG is on. `sourceRevision`
   * (a hash of the working copy) names the run-once Jobs, so changed code migrates again.
   */
  development?: { sourceClaimName: pulumi.Input<string>; sourceRevision: string };
  /** Load the demo fixture after each migration (a seed Job; previews). */
  seedDemo?: boolean;
  /** What the migration Job waits for besides the settings (the GCP stacks' pre-migration backup Job). */
  migrateAfter?: pulumi.Resource[];
  /**
   * Error reports to Sentry (config sentryDsn): the DSN, a secret, and the stack's name as its
   * environment; the release is the image. Unset: the DSN file is empty and the app never loads Sentry.
   */
  sentry?: { dsn: pulumi.Input<string>; environment: string };
}
