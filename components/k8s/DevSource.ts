/**
 * Dev mode's view of your working copy: the directory `minikube mount` shares from the host
 * (app/) as a read-only PersistentVolume and its claim. Pods mount the claim, not a hostPath,
 * so they keep the restricted profile.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { APP_NAME } from "./djangoApp/appContract";
import { standardLabels } from "./specs/labels";

export interface DevSourceArgs {
  namespace: pulumi.Input<string>;
  /** Where `minikube mount` puts app/ on the node. */
  nodePath: string;
}

export const DEV_SOURCE_CLAIM = `${APP_NAME}-src`;

export class DevSource extends pulumi.ComponentResource {
  readonly claim: k8s.core.v1.PersistentVolumeClaim;

  constructor(name: string, args: DevSourceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:DevSource", name, {}, opts);
    const labels = standardLabels(APP_NAME, "dev-source");
    const volume = new k8s.core.v1.PersistentVolume(
      `${name}-volume`,
      {
        metadata: { name: pulumi.interpolate`${args.namespace}-${DEV_SOURCE_CLAIM}`, labels },
        spec: {
          capacity: { storage: "1Gi" },
          accessModes: ["ReadOnlyMany"],
          // The files are yours, on your machine: deleting the stack never touches them.
          persistentVolumeReclaimPolicy: "Retain",
          storageClassName: "",
          hostPath: { path: args.nodePath, type: "Directory" },
          claimRef: { namespace: args.namespace, name: DEV_SOURCE_CLAIM },
        },
      },
      { parent: this },
    );
    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-claim`,
      {
        metadata: { name: DEV_SOURCE_CLAIM, namespace: args.namespace, labels },
        spec: {
          accessModes: ["ReadOnlyMany"],
          storageClassName: "",
          volumeName: volume.metadata.name,
          resources: { requests: { storage: "1Gi" } },
        },
      },
      { parent: this },
    );
    this.registerOutputs({ claim: this.claim.metadata.name });
  }
}
