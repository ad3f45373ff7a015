/**
 * The image the stack ran before this update, for the deploy workflow's rollback: the stack's
 * own `image` output as its last update left it, read through a StackReference to itself (the
 * engine reads the stored outputs before this update changes them). Empty on a first deploy.
 */
import * as pulumi from "@pulumi/pulumi";

/** The stack output the current image is recorded under, and so read back from. */
export const IMAGE_OUTPUT = "image";

export function previousImage(): pulumi.Output<string> {
  const self = new pulumi.StackReference("previous-update", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  return self.getOutput(IMAGE_OUTPUT).apply((image) => (typeof image === "string" ? image : ""));
}
