/**
 * Artifact Registry for the app image, and the image itself: built from app/ and pushed with
 * docker-build (registry auth from the deployer's Google access token), deployed by digest,
 * so a pod always runs exactly the bytes that were built. Every pushed image is scanned for
 * known vulnerabilities (Artifact Analysis, the containerscanning API).
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
  /** The artifactregistry and containerscanning APIs. */
  dependsOn: pulumi.Resource[];
}

/** The app image's name inside the repository. */
export const APP_IMAGE_NAME = "app";

/** `<region>-docker.pkg.dev/<project>/<repository>`: known before the repository exists (Binary Authorization's allowlist needs it). */
export function repositoryPath(region: string, project: string, repositoryId: string): string {
  return `${region}-docker.pkg.dev/${project}/${repositoryId}`;
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
        // INHERITED: scanned as the project's containerscanning API says (on, see ProjectApis).
        vulnerabilityScanningConfig: { enablementConfig: "INHERITED" },
        // Keep the 20 newest images; an image that is deployed is referenced by digest anyway.
        cleanupPolicies: [
          { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: 20 } },
          { id: "delete-old", action: "DELETE", condition: { olderThan: `${30 * 86400}s` } },
        ],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.repositoryUrl = this.repository.repositoryId.apply((id) =>
      repositoryPath(args.region, args.project, id),
    );

    if (args.contextDir) {
      const registry = `${args.region}-docker.pkg.dev`;
      const token = gcp.organizations.getClientConfigOutput({ parent: this }).accessToken;
      const tag = pulumi.interpolate`${this.repositoryUrl}/${APP_IMAGE_NAME}:${contextHash(args.contextDir).slice(0, 16)}`;
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
      this.imageRef = pulumi.interpolate`${this.repositoryUrl}/${APP_IMAGE_NAME}@${image.digest}`;
    }
    this.registerOutputs({ repositoryUrl: this.repositoryUrl });
  }
}
