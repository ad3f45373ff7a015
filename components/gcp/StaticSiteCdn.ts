/**
 * Static files on Cloud CDN: a bucket that holds nothing but the collected static files
 * (uniform bucket-level access, versioning, public read of its objects) behind a backend
 * bucket with CDN, a URL map, a target proxy and a global forwarding rule on a reserved IP;
 * HTTPS with a Google-managed certificate when a host name is set, HTTP otherwise.
 * The uploader (the collectstatic Job) gets object admin on this bucket only.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { modernTlsPolicy } from "./tlsPolicy";

export interface StaticSiteCdnArgs {
  project: string;
  location: string;
  domain?: string;
  deletionProtection: boolean;
  /** Who uploads (the collectstatic Job's Google service account), as an IAM member. */
  uploader: pulumi.Input<string>;
  /** Cloud Armor's edge policy for the backend bucket (CloudArmor.edgePolicy). */
  edgeSecurityPolicy?: pulumi.Input<string>;
  dependsOn: pulumi.Resource[];
}

/** Where collectstatic puts files inside the bucket (config/storage.py's location). */
export const STATIC_PREFIX = "static";

export class StaticSiteCdn extends pulumi.ComponentResource {
  readonly bucket: gcp.storage.Bucket;
  readonly address: gcp.compute.GlobalAddress;
  /** STATIC_URL: the CDN's URL of the static prefix, ending with a slash. */
  readonly publicUrl: pulumi.Output<string>;

  constructor(name: string, args: StaticSiteCdnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:StaticSiteCdn", name, {}, opts);
    const scope: Scope = { name, args, opts: { parent: this, dependsOn: args.dependsOn } };
    this.bucket = createBucket(scope);
    const uploaderGrant = grantBucketAccess(scope, this.bucket);
    const urlMap = createCdnBackend(scope, this.bucket);
    this.address = new gcp.compute.GlobalAddress(`${name}-ip`, { project: args.project }, scope.opts);
    const frontend = createFrontend(scope, urlMap);
    new gcp.compute.GlobalForwardingRule(
      `${name}-rule`,
      {
        project: args.project,
        target: frontend.target,
        ipAddress: this.address.address,
        portRange: frontend.port,
        loadBalancingScheme: "EXTERNAL_MANAGED",
      },
      scope.opts,
    );
    const url = args.domain
      ? pulumi.output(`https://${args.domain}/${STATIC_PREFIX}/`)
      : pulumi.interpolate`http://${this.address.address}/${STATIC_PREFIX}/`;
    // Resolves once the uploader may write, so the collectstatic Job configured with it waits.
    this.publicUrl = pulumi.all([url, uploaderGrant.id]).apply(([value]) => value);
    this.registerOutputs({ bucket: this.bucket.name, publicUrl: this.publicUrl });
  }
}

interface Scope {
  name: string;
  args: StaticSiteCdnArgs;
  opts: pulumi.CustomResourceOptions;
}

function createBucket({ name, args, opts }: Scope): gcp.storage.Bucket {
  return new gcp.storage.Bucket(
    `${name}-bucket`,
    {
      project: args.project,
      location: args.location,
      uniformBucketLevelAccess: true,
      versioning: { enabled: true },
      // Old versions of replaced files go after 30 days; the current ones stay.
      lifecycleRules: [
        { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 30, withState: "ARCHIVED" } },
      ],
      forceDestroy: !args.deletionProtection,
      // The provider refuses to delete a protected bucket, beside Pulumi's `protect`.
      ...(args.deletionProtection ? { deletionPolicy: "PREVENT" } : {}),
    },
    { ...opts, protect: args.deletionProtection },
  );
}

/** Public read of the objects, object admin for the uploader; returns the uploader's grant. */
function grantBucketAccess({ name, args, opts }: Scope, bucket: gcp.storage.Bucket) {
  // The bucket holds only collected static files, so public read is public read of those.
  new gcp.storage.BucketIAMMember(
    `${name}-public-read`,
    { bucket: bucket.name, role: "roles/storage.objectViewer", member: "allUsers" },
    opts,
  );
  return new gcp.storage.BucketIAMMember(
    `${name}-uploader`,
    { bucket: bucket.name, role: "roles/storage.objectAdmin", member: args.uploader },
    opts,
  );
}

/** The bucket as a CDN-enabled backend, and the URL map that sends every path to it. */
function createCdnBackend({ name, args, opts }: Scope, bucket: gcp.storage.Bucket): gcp.compute.URLMap {
  const backend = new gcp.compute.BackendBucket(
    `${name}-backend`,
    {
      project: args.project,
      bucketName: bucket.name,
      enableCdn: true,
      compressionMode: "AUTOMATIC",
      edgeSecurityPolicy: args.edgeSecurityPolicy,
      // Hashed file names carry Cache-Control: immutable; the CDN honours the origin's headers.
      cdnPolicy: { cacheMode: "USE_ORIGIN_HEADERS", serveWhileStale: 86400, negativeCaching: true },
    },
    opts,
  );
  return new gcp.compute.URLMap(
    `${name}-urlmap`,
    { project: args.project, defaultService: backend.selfLink },
    opts,
  );
}

/** HTTPS with a managed certificate and the MODERN TLS policy when a domain is set, else HTTP. */
function createFrontend({ name, args, opts }: Scope, urlMap: gcp.compute.URLMap) {
  const { project } = args;
  if (!args.domain) {
    const http = new gcp.compute.TargetHttpProxy(`${name}-http`, { project, urlMap: urlMap.selfLink }, opts);
    return { target: http.selfLink, port: "80" };
  }
  const certificate = new gcp.compute.ManagedSslCertificate(
    `${name}-cert`,
    { project, managed: { domains: [args.domain] } },
    opts,
  );
  const policy = modernTlsPolicy(`${name}-tls`, project, opts);
  const https = new gcp.compute.TargetHttpsProxy(
    `${name}-https`,
    { project, urlMap: urlMap.selfLink, sslCertificates: [certificate.selfLink], sslPolicy: policy.selfLink },
    opts,
  );
  return { target: https.selfLink, port: "443" };
}
