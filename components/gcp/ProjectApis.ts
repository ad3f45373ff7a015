/**
 * The Google APIs the stack uses, enabled in the project. Resources wait for the APIs they
 * call (`dependsOn`), so a fresh project works on the first `pulumi up`.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { mapValues } from "../../lib/records";

export const APIS = {
  compute: "compute.googleapis.com",
  container: "container.googleapis.com",
  sqladmin: "sqladmin.googleapis.com",
  redis: "redis.googleapis.com",
  servicenetworking: "servicenetworking.googleapis.com",
  artifactregistry: "artifactregistry.googleapis.com",
  // Artifact Registry scans every pushed image for known vulnerabilities once this is on.
  containerscanning: "containerscanning.googleapis.com",
  binaryauthorization: "binaryauthorization.googleapis.com",
  // The key that encrypts the cluster's Secrets in etcd.
  cloudkms: "cloudkms.googleapis.com",
  // The private zone that sends *.googleapis.com to the private.googleapis.com range.
  dns: "dns.googleapis.com",
  iam: "iam.googleapis.com",
  iamcredentials: "iamcredentials.googleapis.com",
  cloudresourcemanager: "cloudresourcemanager.googleapis.com",
  storage: "storage.googleapis.com",
  logging: "logging.googleapis.com",
  monitoring: "monitoring.googleapis.com",
  // The previews' wildcard certificate (PreviewGateway), on a parent with previewDomain.
  certificatemanager: "certificatemanager.googleapis.com",
} as const;

export type Api = keyof typeof APIS;

export class ProjectApis extends pulumi.ComponentResource {
  readonly services: Record<Api, gcp.projects.Service>;

  constructor(name: string, args: { project: string }, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:ProjectApis", name, {}, opts);
    this.services = mapValues(
      APIS,
      (service, key) =>
        new gcp.projects.Service(
          `${name}-${key}`,
          // Left enabled on destroy: other things in the project may use them.
          { project: args.project, service, disableOnDestroy: false, disableDependentServices: false },
          { parent: this },
        ),
    );
    this.registerOutputs({});
  }

  /** For `dependsOn`: the APIs a resource calls. */
  need(...apis: Api[]): gcp.projects.Service[] {
    return apis.map((api) => this.services[api]);
  }
}
