/**
 * Artifact Registry for the app image, and the image itself: built from app/ and pushed with
 * docker-build (registry auth from the deployer's Google access token), deployed by digest,
 * so a pod always runs exactly the bytes that were built.
 */
import * as dockerBuild from "@pulumi/docker-build";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { contextHash } from "../image/contextHash";

export interface ImageRegistryArgs {
  project: string;
  region: string;
  /** Build app/ when set; otherwise only the repository is created. */
  contextDir?: string;
  dependsOn: pulumi.Resource[];
}

export class ImageRegistry extends pulumi.ComponentResource {
  readonly repository: gcp.artifactregistry.Repository;
  readonly repositoryUrl: pulumi.Output<string>;
  /** <repository>/app@sha256:..., once pushed. */
  readonly imageRef?: pulumi.Output<string>;

  constructor(name: string, args: ImageRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:ImageRegistry", name, {}, opts);
    this.repository = new gcp.artifactregistry.Repository(
      name,
      {
        project: args.project,
        location: args.region,
        repositoryId: name,
        format: "DOCKER",
        dockerConfig: { immutableTags: true },
        // Keep the 20 newest images; an image that is deployed is referenced by digest anyway.
        cleanupPolicies: [
          { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: 20 } },
          { id: "delete-old", action: "DELETE", condition: { olderThan: `${30 * 86400}s` } },
        ],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.repositoryUrl = pulumi.interpolate`${args.region}-docker.pkg.dev/${args.project}/${this.repository.repositoryId}`;

    if (args.contextDir) {
      const registry = `${args.region}-docker.pkg.dev`;
      const token = gcp.organizations.getClientConfigOutput({ parent: this }).accessToken;
      const tag = pulumi.interpolate`${this.repositoryUrl}/app:${contextHash(args.contextDir).slice(0, 16)}`;
      const image = new dockerBuild.Image(
        `${name}-app`,
        {
          context: { location: args.contextDir },
          dockerfile: { location: `${args.contextDir}/Dockerfile` },
          platforms: ["linux/amd64"],
          tags: [tag],
          push: true,
          registries: [{ address: registry, username: "oauth2accesstoken", password: pulumi.secret(token) }],
          buildOnPreview: false,
        },
        { parent: this, dependsOn: [this.repository] },
      );
      this.imageRef = pulumi.interpolate`${this.repositoryUrl}/app@${image.digest}`;
    }
    this.registerOutputs({ repositoryUrl: this.repositoryUrl });
  }
}
