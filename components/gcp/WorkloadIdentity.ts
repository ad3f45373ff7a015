/**
 * A Google service account that one Kubernetes ServiceAccount acts as (Workload Identity):
 * no JSON key exists anywhere; the pod gets short-lived tokens from the GKE metadata server.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { grantProjectRoles, serviceAccountId } from "./iam";

export interface WorkloadIdentityArgs {
  project: string;
  workloadPool: string;
  namespace: string;
  kubernetesServiceAccount: string;
  description: string;
  /** Project-level roles, e.g. roles/cloudsql.client. */
  projectRoles?: string[];
  dependsOn?: pulumi.Resource[];
}

export const WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account";

export class WorkloadIdentity extends pulumi.ComponentResource {
  readonly account: gcp.serviceaccount.Account;
  readonly email: pulumi.Output<string>;
  readonly member: pulumi.Output<string>;
  /** For the Kubernetes ServiceAccount. */
  readonly annotations: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:WorkloadIdentity", name, {}, opts);
    const parent = { parent: this, dependsOn: args.dependsOn };
    this.account = new gcp.serviceaccount.Account(
      `${name}-sa`,
      { project: args.project, accountId: serviceAccountId(name), displayName: args.description },
      parent,
    );
    this.member = this.account.member;
    const grants = grantProjectRoles(
      name,
      { project: args.project, member: this.account.member, roles: args.projectRoles ?? [] },
      parent,
    );
    const binding = new gcp.serviceaccount.IAMMember(
      `${name}-wi`,
      {
        serviceAccountId: this.account.name,
        role: "roles/iam.workloadIdentityUser",
        member: `serviceAccount:${args.workloadPool}[${args.namespace}/${args.kubernetesServiceAccount}]`,
      },
      parent,
    );
    // Resolves once the roles and the binding exist, so pods annotated with it start only
    // when their identity works.
    this.email = pulumi
      .all([this.account.email, pulumi.all([binding.id, ...grants.map((grant) => grant.urn)])])
      .apply(([email]) => email);
    this.annotations = { [WORKLOAD_IDENTITY_ANNOTATION]: this.email };
    this.registerOutputs({ email: this.email });
  }
}
