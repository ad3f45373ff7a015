/** The load generator as a Deployment beside the app (minikube): fortio aimed at the web Service. */
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BATCH_PAYLOAD_FILE, batchPayload, FORTIO_IMAGE, loadStreams } from "../loadgen/fortio";
import { APP_NAME, WEB_PORT, WEB_SERVICE_PORT } from "./djangoApp/appContract";
import { selectorLabels, standardLabels } from "./specs/labels";
import { egressPolicy, toPods } from "./specs/networkPolicies";
import { resources } from "./specs/resources";
import { checkovSkips } from "./specs/scannerSkips";
import { hardenedContainer, isolatedPod } from "./specs/security";

export interface LoadGeneratorArgs {
  namespace: pulumi.Input<string>;
  /** The web Service's name (WEB_SERVICE_NAME): passed as the Service's output, so the load waits for it. */
  webService: pulumi.Input<string>;
  rate: number;
  /** The batch endpoint's token (DjangoApp.batchToken, a secret): mounted as fortio's payload file. */
  batchToken: pulumi.Input<string>;
}

const NONROOT = 65532;
const SELF = "load-generator"; // its name, app and component

export class LoadGenerator extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: LoadGeneratorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:LoadGenerator", name, {}, opts);
    const payload = new k8s.core.v1.Secret(
      `${name}-batch`,
      {
        metadata: { namespace: args.namespace, labels: standardLabels(SELF, SELF) },
        type: "Opaque",
        stringData: { [PAYLOAD_KEY]: pulumi.secret(pulumi.output(args.batchToken).apply(batchPayload)) },
      },
      { parent: this },
    );
    const containers = pulumi
      .output(args.webService)
      .apply((service) => loadContainers(`http://${service}:${WEB_SERVICE_PORT}/`, args.rate));
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      loadGeneratorDeploymentArgs(args.namespace, containers, payload.metadata.name),
      { parent: this },
    );
    // It may reach web's pods and nothing else.
    egressPolicy(
      `${name}-egress`,
      args.namespace,
      { matchLabels: selectorLabels(SELF, SELF) },
      [toPods(selectorLabels(APP_NAME, "web"), WEB_PORT)],
      { parent: this },
    );
    this.registerOutputs({});
  }
}

const PAYLOAD_VOLUME = "batch-payload";
// The payload file is the Secret's one key, mounted as a folder: the file's folder is the mount.
const PAYLOAD_KEY = path.posix.basename(BATCH_PAYLOAD_FILE);
const PAYLOAD_DIR = path.posix.dirname(BATCH_PAYLOAD_FILE);

/** One fortio container per load stream, under the restricted profile; the batch stream reads its payload file. Pure. */
export function loadContainers(baseUrl: string, rate: number): k8s.types.input.core.v1.Container[] {
  return loadStreams(baseUrl, rate).map((stream) =>
    hardenedContainer({
      name: stream.name,
      image: FORTIO_IMAGE,
      args: stream.args,
      resources: resources({ cpuRequest: "50m", cpuLimit: "500m", memory: "128Mi" }),
      volumeMounts:
        stream.name === "batch"
          ? [{ name: PAYLOAD_VOLUME, mountPath: PAYLOAD_DIR, readOnly: true }]
          : undefined,
    }),
  );
}

export function loadGeneratorDeploymentArgs(
  namespace: pulumi.Input<string>,
  containers: pulumi.Input<k8s.types.input.core.v1.Container[]>,
  payloadSecretName: pulumi.Input<string>,
): k8s.apps.v1.DeploymentArgs {
  const labels = standardLabels(SELF, SELF);
  return {
    metadata: {
      name: SELF,
      namespace,
      labels,
      annotations: checkovSkips("CKV_K8S_15", "CKV_K8S_8", "CKV_K8S_9"),
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(SELF, SELF) },
      template: {
        metadata: { labels },
        spec: {
          ...isolatedPod(NONROOT, NONROOT),
          containers,
          volumes: [
            {
              name: PAYLOAD_VOLUME,
              secret: {
                secretName: payloadSecretName,
                defaultMode: 0o440,
                items: [{ key: PAYLOAD_KEY, path: PAYLOAD_KEY }],
              },
            },
          ],
        },
      },
    },
  };
}
