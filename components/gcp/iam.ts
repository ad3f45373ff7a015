/**
 * Project-level IAM grants, named the one way every stack and the bootstrap name them:
 * `<prefix>-<role id with dots as dashes>`, e.g. django-nodes-logging-logWriter. The name is
 * the resource's identity in state, so it must never drift between copies.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/** A service account ID from a resource name: GCP allows at most 30 characters. */
export function serviceAccountId(name: string): string {
  return name.slice(0, 30);
}

/** roles/logging.logWriter -> logging-logWriter */
export function roleSuffix(role: string): string {
  const id = role.split("/")[1];
  if (!id) throw new Error(`not an IAM role name: ${JSON.stringify(role)} (expected roles/<id>)`);
  return id.replace(/\./g, "-");
}

/** One IAMMember per role for `member` on the project, named `<prefix>-<roleSuffix>`. */
export function grantProjectRoles(
  prefix: string,
  grant: { project: string; member: pulumi.Input<string>; roles: readonly string[] },
  opts?: pulumi.CustomResourceOptions,
): gcp.projects.IAMMember[] {
  return grant.roles.map(
    (role) =>
      new gcp.projects.IAMMember(
        `${prefix}-${roleSuffix(role)}`,
        { project: grant.project, role, member: grant.member },
        opts,
      ),
  );
}
