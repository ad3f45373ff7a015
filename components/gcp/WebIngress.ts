/**
 * The web app's public entry on GKE: a global external HTTP(S) load balancer made by GKE
 * Ingress from the web Service's network endpoint group, health-checking the readiness path,
 * on a reserved global IP; with a domain, a Google-managed certificate, a modern TLS policy
 * and HTTP redirected to HTTPS.
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { READINESS_PATH, WEB_PORT } from "../k8s/appContract";
import { standardLabels } from "../k8s/specs";

export interface WebIngressArgs {
  project: string;
  namespace: pulumi.Input<string>;
  serviceName: string;
  servicePort: number;
  domain?: string;
  /** The compute API, for the global address. */
  dependsOn: pulumi.Resource[];
}

const BACKEND_CONFIG = "web";

/** On the web Service: container-native load balancing, and the health check below. */
export const WEB_SERVICE_ANNOTATIONS: Record<string, string> = {
  "cloud.google.com/neg": JSON.stringify({ ingress: true }),
  "cloud.google.com/backend-config": JSON.stringify({ default: BACKEND_CONFIG }),
};

export class WebIngress extends pulumi.ComponentResource {
  readonly address: gcp.compute.GlobalAddress;
  readonly ingress: k8s.networking.v1.Ingress;
  readonly url: pulumi.Output<string>;
  /** What Django must accept as Host. */
  readonly host: pulumi.Output<string>;

  constructor(name: string, args: WebIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:WebIngress", name, {}, opts);
    const parent = { parent: this };
    const { namespace, domain } = args;
    const labels = standardLabels("django", "web");
    this.address = new gcp.compute.GlobalAddress(
      `${name}-ip`,
      { project: args.project },
      { parent: this, dependsOn: args.dependsOn },
    );

    const backendConfig = new k8s.apiextensions.CustomResource(
      `${name}-backendconfig`,
      {
        apiVersion: "cloud.google.com/v1",
        kind: "BackendConfig",
        metadata: { name: BACKEND_CONFIG, namespace, labels },
        spec: {
          // The load balancer sends traffic only to pods whose database and Redis answer.
          healthCheck: {
            type: "HTTP",
            requestPath: READINESS_PATH,
            port: WEB_PORT,
            checkIntervalSec: 10,
            timeoutSec: 5,
            healthyThreshold: 1,
            unhealthyThreshold: 3,
          },
          connectionDraining: { drainingTimeoutSec: 30 },
          timeoutSec: 60,
          logging: { enable: true, sampleRate: 0.1 },
        },
      },
      parent,
    );
    const annotations: Record<string, pulumi.Input<string>> = {
      "kubernetes.io/ingress.class": "gce",
      "kubernetes.io/ingress.global-static-ip-name": this.address.name,
    };
    const dependsOn: pulumi.Resource[] = [backendConfig];
    if (domain) {
      const certificate = new k8s.apiextensions.CustomResource(
        `${name}-cert`,
        {
          apiVersion: "networking.gke.io/v1",
          kind: "ManagedCertificate",
          metadata: { name: "web", namespace, labels },
          spec: { domains: [domain] },
        },
        parent,
      );
      const policy = new gcp.compute.SSLPolicy(
        `${name}-tls`,
        { project: args.project, profile: "MODERN", minTlsVersion: "TLS_1_2" },
        { parent: this, dependsOn: args.dependsOn },
      );
      const frontend = new k8s.apiextensions.CustomResource(
        `${name}-frontendconfig`,
        {
          apiVersion: "networking.gke.io/v1beta1",
          kind: "FrontendConfig",
          metadata: { name: "web", namespace, labels },
          spec: {
            redirectToHttps: { enabled: true, responseCodeName: "MOVED_PERMANENTLY_DEFAULT" },
            sslPolicy: policy.name,
          },
        },
        parent,
      );
      annotations["networking.gke.io/managed-certificates"] = "web";
      annotations["networking.gke.io/v1beta1.FrontendConfig"] = "web";
      dependsOn.push(certificate, frontend);
    }
    this.ingress = new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: { name: "web", namespace, labels, annotations },
        spec: { defaultBackend: { service: { name: args.serviceName, port: { number: args.servicePort } } } },
      },
      { parent: this, dependsOn },
    );
    this.host = domain ? pulumi.output(domain) : this.address.address;
    this.url = domain
      ? pulumi.output(`https://${domain}/`)
      : pulumi.interpolate`http://${this.address.address}/`;
    this.registerOutputs({ url: this.url });
  }
}
