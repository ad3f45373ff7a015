/**
 * The "second server": a small Compute Engine VM (Container-Optimized OS) running fortio's
 * official image, requesting the app's public URL from outside the cluster, through Cloud
 * NAT and the load balancer, as real clients do. No external IP, no SSH keys, shielded boot.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { cloudInit } from "../loadgen/fortio";
import { serviceAccountId } from "./iam";

export interface LoadGeneratorVmArgs {
  project: string;
  zone: string;
  subnet: pulumi.Input<string>;
  /** The app's public URL, ending with a slash. */
  targetUrl: pulumi.Input<string>;
  rate: number;
  /**
   * The batch endpoint's token (a secret). It reaches the VM in its user-data, so whoever may
   * read the instance's metadata (compute.instances.get) may read it: docs/security.md.
   */
  batchToken: pulumi.Input<string>;
  dependsOn: pulumi.Resource[];
}

export class LoadGeneratorVm extends pulumi.ComponentResource {
  readonly instance: gcp.compute.Instance;

  constructor(name: string, args: LoadGeneratorVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:LoadGeneratorVm", name, {}, opts);
    const parent = { parent: this, dependsOn: args.dependsOn };
    // Its own identity, allowed to write its logs and nothing else.
    const account = new gcp.serviceaccount.Account(
      `${name}-sa`,
      {
        project: args.project,
        accountId: serviceAccountId(name),
        displayName: "load generator VM (logs only)",
      },
      parent,
    );
    const logWriter = new gcp.projects.IAMMember(
      `${name}-logs`,
      { project: args.project, role: "roles/logging.logWriter", member: account.member },
      parent,
    );
    this.instance = new gcp.compute.Instance(
      name,
      {
        project: args.project,
        zone: args.zone,
        machineType: "e2-small",
        bootDisk: { initializeParams: { image: "cos-cloud/cos-stable", size: 10, type: "pd-balanced" } },
        networkInterfaces: [{ subnetwork: args.subnet }],
        serviceAccount: { email: account.email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
        shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
        metadata: {
          "user-data": pulumi.secret(
            pulumi
              .all([args.targetUrl, args.batchToken])
              .apply(([url, token]) => cloudInit(url, args.rate, token)),
          ),
          "enable-oslogin": "TRUE",
          "block-project-ssh-keys": "true",
          "google-logging-enabled": "true",
        },
        // The stack's own labels come from the provider (GCP_LABELS); this one tells the VMs apart.
        labels: { role: "load-generator" },
        allowStoppingForUpdate: true,
      },
      { parent: this, dependsOn: [...args.dependsOn, logWriter] },
    );
    this.registerOutputs({});
  }
}
