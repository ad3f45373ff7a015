/**
 * The app image built from app/ straight into the Docker daemon the cluster's node uses
 * (minikube's, after `eval $(minikube docker-env)`): nothing is pushed anywhere, and the
 * pods find it by its tag, which is the content hash of the build context.
 */
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { contextHash } from "./contextHash";

export interface LocalAppImageArgs {
  /** The build context: the app/ directory with its Dockerfile. */
  contextDir: string;
  repository: string;
}

export class LocalAppImage extends pulumi.ComponentResource {
  /** repository:<content hash>; resolves once the image is built. */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: LocalAppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:image:LocalAppImage", name, {}, opts);
    const tag = `${args.repository}:${contextHash(args.contextDir).slice(0, 16)}`;
    const image = new dockerBuild.Image(
      `${name}-build`,
      {
        context: { location: args.contextDir },
        dockerfile: { location: `${args.contextDir}/Dockerfile` },
        tags: [tag],
        push: false,
        load: true, // into the daemon minikube's kubelet pulls from
        buildOnPreview: false,
      },
      { parent: this },
    );
    // Through the Image's output, so every workload waits for the build.
    this.ref = image.ref.apply(() => tag);
    this.registerOutputs({ ref: this.ref });
  }
}
