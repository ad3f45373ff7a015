/** The GCP stacks (dev and prod) under mocks: every setting the design asks for, and the ordering. */
import { describe, expect, it } from "vitest";
import { DATABASE_FLAGS } from "../../components/gcp/CloudSqlPostgres";
import { CLOUD_SQL_PROXY_IMAGE } from "../../components/gcp/cloudSqlProxy";
import { NODE_ROLES } from "../../components/gcp/GkeCluster";
import { APIS } from "../../components/gcp/ProjectApis";
import { ENV } from "../../components/k8s/djangoApp/appContract";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { manifests } from "../../synth/render";
import { manifest, programRun } from "./runs";

const all = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
const one = (run: ProgramRun, type: string, name?: string): RecordedResource => {
  const found = all(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
  return found[0]!;
};
const inputs = (run: ProgramRun, type: string, name?: string) =>
  one(run, type, name).inputs as Record<string, any>;
const waitsFor = (dependent: RecordedResource, dependency: RecordedResource) =>
  expect(dependent.dependencies, `${dependent.name} waits for ${dependency.name}`).toContain(dependency.urn);

const T = {
  api: "gcp:projects/service:Service",
  network: "gcp:compute/network:Network",
  subnet: "gcp:compute/subnetwork:Subnetwork",
  cluster: "gcp:container/cluster:Cluster",
  pool: "gcp:container/nodePool:NodePool",
  sql: "gcp:sql/databaseInstance:DatabaseInstance",
  redis: "gcp:redis/instance:Instance",
  psa: "gcp:servicenetworking/connection:Connection",
  bucket: "gcp:storage/bucket:Bucket",
  bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
  projectIam: "gcp:projects/iAMMember:IAMMember",
  saIam: "gcp:serviceaccount/iAMMember:IAMMember",
  repo: "gcp:artifactregistry/repository:Repository",
  image: "docker-build:index:Image",
  job: "kubernetes:batch/v1:Job",
  deployment: "kubernetes:apps/v1:Deployment",
};

describe.each(["dev", "prod"] as const)("%s stack", (stack) => {
  const run = () => programRun(stack);
  const prod = stack === "prod";

  it("enables every API it uses, and resources wait for theirs", () => {
    const services = all(run(), T.api).map((r) => r.inputs.service);
    expect(services.sort()).toEqual(Object.values(APIS).sort());
    const api = (key: string) => one(run(), T.api, `apis-${key}`);
    waitsFor(one(run(), T.cluster), api("container"));
    waitsFor(one(run(), T.sql), api("sqladmin"));
    waitsFor(one(run(), T.redis), api("redis"));
    waitsFor(one(run(), T.repo), api("artifactregistry"));
    waitsFor(one(run(), T.network), api("compute"));
    waitsFor(one(run(), T.psa), api("servicenetworking"));
  });

  it("builds a custom VPC with secondary ranges, Private Google Access, NAT and private service access", () => {
    expect(inputs(run(), T.network).autoCreateSubnetworks).toBe(false);
    const subnet = inputs(run(), T.subnet);
    expect(subnet.privateIpGoogleAccess).toBe(true);
    expect(subnet.secondaryIpRanges.map((r: any) => r.rangeName)).toEqual(["pods", "services"]);
    expect(all(run(), "gcp:compute/router:Router")).toHaveLength(1);
    expect(inputs(run(), "gcp:compute/routerNat:RouterNat").sourceSubnetworkIpRangesToNat).toBe(
      "ALL_SUBNETWORKS_ALL_IP_RANGES",
    );
    expect(inputs(run(), "gcp:compute/globalAddress:GlobalAddress", "network-psa-range")).toMatchObject({
      purpose: "VPC_PEERING",
      addressType: "INTERNAL",
    });
    expect(inputs(run(), T.psa).deletionPolicy).toBe("ABANDON");
  });

  it("runs a hardened, private, Workload Identity GKE cluster", () => {
    const cluster = inputs(run(), T.cluster);
    expect(cluster).toMatchObject({
      networkingMode: "VPC_NATIVE",
      removeDefaultNodePool: true,
      datapathProvider: "ADVANCED_DATAPATH",
      enableShieldedNodes: true,
      deletionProtection: prod,
      location: prod ? "europe-west1" : "europe-west1-b",
    });
    expect(cluster.privateClusterConfig.enablePrivateNodes).toBe(true);
    expect(cluster.workloadIdentityConfig.workloadPool).toBe(`my-django-${stack}.svc.id.goog`);
    expect(cluster.releaseChannel.channel).toBe("REGULAR");
    expect(cluster.masterAuth.clientCertificateConfig.issueClientCertificate).toBe(false);
    expect(cluster.masterAuthorizedNetworksConfig.cidrBlocks.map((b: any) => b.cidrBlock)).toEqual([
      "203.0.113.0/24",
    ]);
    const pool = inputs(run(), T.pool);
    expect(pool.autoscaling).toEqual({ minNodeCount: 1, maxNodeCount: prod ? 5 : 3 });
    expect(pool.management).toEqual({ autoRepair: true, autoUpgrade: true });
    expect(pool.upgradeSettings).toMatchObject({ strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 });
    expect(pool.nodeConfig).toMatchObject({
      spot: !prod,
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
      workloadMetadataConfig: { mode: "GKE_METADATA" },
      metadata: { "disable-legacy-endpoints": "true" },
      serviceAccount: "django-nodes@my-django-" + stack + ".iam.gserviceaccount.com",
    });
    const nodeRoles = all(run(), T.projectIam).filter(
      (r) => r.inputs.member === `serviceAccount:${pool.nodeConfig.serviceAccount}`,
    );
    expect(nodeRoles.map((r) => r.inputs.role).sort()).toEqual([...NODE_ROLES].sort());
  });

  it("puts every Kubernetes object on the GKE provider, through the IAM-guarded DNS endpoint", () => {
    expect(inputs(run(), T.cluster).controlPlaneEndpointsConfig).toEqual({
      dnsEndpointConfig: {
        allowExternalTraffic: true,
        enableK8sCertsViaDns: false,
        enableK8sTokensViaDns: false,
      },
    });
    const provider = one(run(), "pulumi:providers:kubernetes");
    expect(provider.inputs.kubeconfig).toBe("[secret]");
    expect(run().outputs.kubeconfig?.secret).toBe(true);
    const kubeconfig = String(run().outputs.kubeconfig?.value);
    expect(kubeconfig).toContain("command: gke-gcloud-auth-plugin");
    // A runner with no fixed address reaches the cluster: the server is the DNS name, not the IP.
    expect(kubeconfig).toMatch(/server: https:\/\/gke-[0-9a-f]+-\d+\.europe-west1\.gke\.goog\n/);
    expect(kubeconfig).not.toContain("34.1.2.3");
    expect(kubeconfig).not.toContain("certificate-authority-data");
    const objects = run().resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    for (const object of objects)
      expect(object.provider.startsWith(`${provider.urn}::`), object.name).toBe(true);
  });

  it("runs Cloud SQL on a private IP with TLS, backups, PITR, logging flags and insights", () => {
    const sql = inputs(run(), T.sql);
    expect(sql.databaseVersion).toBe("POSTGRES_17");
    expect(sql.deletionProtection).toBe(prod);
    const s = sql.settings;
    expect(s.availabilityType).toBe(prod ? "REGIONAL" : "ZONAL");
    expect(s.ipConfiguration).toMatchObject({ ipv4Enabled: false, sslMode: "ENCRYPTED_ONLY" });
    expect(s.ipConfiguration.privateNetwork).toBeTruthy();
    expect(s.backupConfiguration).toMatchObject({ enabled: true, pointInTimeRecoveryEnabled: true });
    expect(s.maintenanceWindow).toMatchObject({ day: 7, hour: 3 });
    expect(s.insightsConfig.queryInsightsEnabled).toBe(true);
    const flags = Object.fromEntries(s.databaseFlags.map((f: any) => [f.name, f.value]));
    expect(flags).toEqual(DATABASE_FLAGS);
    for (const flag of ["log_checkpoints", "log_connections", "log_disconnections", "log_lock_waits"])
      expect(flags[flag]).toBe("on");
    expect(all(run(), "gcp:sql/database:Database")).toHaveLength(1);
    expect(inputs(run(), "gcp:sql/user:User").password).toBe("[secret]");
    waitsFor(one(run(), T.sql), one(run(), T.psa));
  });

  it("reaches Cloud SQL only through the Auth Proxy native sidecar, authorized by Workload Identity", () => {
    const m = (kind: string, name: string) => manifest(run(), kind, name).spec.template.spec;
    const jobs = manifests(run()).filter((o) => o.kind === "Job");
    const migrate = jobs.find((j) => j.metadata.name.startsWith("migrate-"))!.spec.template.spec;
    for (const pod of [
      m("Deployment", "web"),
      m("Deployment", "celery-worker"),
      m("Deployment", "celery-beat"),
      migrate,
    ]) {
      expect(pod.initContainers).toHaveLength(1);
      expect(pod.initContainers[0]).toMatchObject({
        name: "cloud-sql-proxy",
        image: CLOUD_SQL_PROXY_IMAGE,
        restartPolicy: "Always",
      });
      expect(pod.initContainers[0].args).toContain("--private-ip");
      expect(pod.initContainers[0].args).toContain(`my-django-${stack}:europe-west1:postgres`);
      expect(pod.serviceAccountName).toBe("django");
    }
    expect(m("Deployment", "flower").initContainers).toBeUndefined();
    const settings = manifest(
      run(),
      "ConfigMap",
      m("Deployment", "web").containers[0].envFrom[0].configMapRef.name,
    ).data;
    expect(settings[ENV.postgresHost]).toBe("127.0.0.1");
    const ksa = manifest(run(), "ServiceAccount", "django");
    const gsa = `django-app@my-django-${stack}.iam.gserviceaccount.com`;
    expect(ksa.metadata.annotations["iam.gke.io/gcp-service-account"]).toBe(gsa);
    expect(inputs(run(), T.projectIam, "django-app-cloudsql-client")).toMatchObject({
      role: "roles/cloudsql.client",
      member: `serviceAccount:${gsa}`,
    });
    expect(inputs(run(), T.saIam, "django-app-wi")).toMatchObject({
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:my-django-${stack}.svc.id.goog[django/django]`,
    });
  });

  it("runs Memorystore with AUTH and TLS, its CA handed to the app", () => {
    const redis = inputs(run(), T.redis);
    expect(redis).toMatchObject({
      tier: prod ? "STANDARD_HA" : "BASIC",
      connectMode: "PRIVATE_SERVICE_ACCESS",
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      redisVersion: "REDIS_7_2",
    });
    expect(redis.maintenancePolicy.weeklyMaintenanceWindows).toHaveLength(1);
    waitsFor(one(run(), T.redis), one(run(), T.psa));
    const web = manifest(run(), "Deployment", "web").spec.template.spec;
    const settings = manifest(run(), "ConfigMap", web.containers[0].envFrom[0].configMapRef.name).data;
    expect(settings[ENV.redisCaCert]).toBe("/etc/redis-tls/ca.pem");
    expect(web.containers[0].volumeMounts).toContainEqual({
      name: "redis-ca",
      mountPath: "/etc/redis-tls",
      readOnly: true,
    });
    const ca = manifests(run()).find((o) => o.kind === "ConfigMap" && o.data?.["ca.pem"]);
    expect(ca?.data["ca.pem"]).toContain("BEGIN CERTIFICATE");
  });

  it("serves static files from a uniform, versioned bucket behind Cloud CDN", () => {
    expect(inputs(run(), T.bucket)).toMatchObject({
      uniformBucketLevelAccess: true,
      versioning: { enabled: true },
    });
    expect(inputs(run(), T.bucketIam, "static-public-read")).toMatchObject({
      role: "roles/storage.objectViewer",
      member: "allUsers",
    });
    expect(inputs(run(), "gcp:compute/backendBucket:BackendBucket").enableCdn).toBe(true);
    expect(all(run(), "gcp:compute/uRLMap:URLMap")).toHaveLength(1);
    expect(all(run(), "gcp:compute/targetHttpsProxy:TargetHttpsProxy")).toHaveLength(prod ? 1 : 0);
    expect(all(run(), "gcp:compute/targetHttpProxy:TargetHttpProxy")).toHaveLength(prod ? 0 : 1);
    expect(all(run(), "gcp:compute/managedSslCertificate:ManagedSslCertificate")).toHaveLength(prod ? 1 : 0);
    expect(inputs(run(), "gcp:compute/globalForwardingRule:GlobalForwardingRule").portRange).toBe(
      prod ? "443" : "80",
    );
    expect(run().outputs.staticUrl?.value).toEqual(
      prod ? "https://static.example.com/static/" : expect.stringMatching(/^http:\/\/34\./),
    );
  });

  it("collects static files in a Job with object admin on that bucket only, before web rolls out", () => {
    const uploaderGsa = `serviceAccount:django-static@my-django-${stack}.iam.gserviceaccount.com`;
    expect(inputs(run(), T.bucketIam, "static-uploader")).toMatchObject({
      role: "roles/storage.objectAdmin",
      member: uploaderGsa,
    });
    expect(all(run(), T.projectIam).filter((r) => r.inputs.member === uploaderGsa)).toEqual([]);
    const job = manifests(run()).find(
      (o) => o.kind === "Job" && o.metadata.name.startsWith("collectstatic-"),
    )!;
    const pod = job.spec.template.spec;
    expect(pod.containers[0].command).toEqual(["python", "manage.py", "collectstatic", "--noinput"]);
    expect(pod.serviceAccountName).toBe("django-collectstatic");
    expect(
      manifest(run(), "ServiceAccount", "django-collectstatic").metadata.annotations[
        "iam.gke.io/gcp-service-account"
      ],
    ).toBe(uploaderGsa.replace("serviceAccount:", ""));
    const settings = manifest(run(), "ConfigMap", pod.containers[0].envFrom[0].configMapRef.name).data;
    expect(settings[ENV.staticUrl]).toBe(run().outputs.staticUrl?.value);
    expect(settings[ENV.staticBucket]).toBe(run().outputs.bucketName?.value);
    waitsFor(one(run(), T.deployment, "django-web"), one(run(), T.job, "django-collectstatic"));
    waitsFor(one(run(), T.deployment, "django-web"), one(run(), T.job, "django-migrate"));
  });

  it("builds and pushes the image to Artifact Registry and deploys it by digest", () => {
    expect(inputs(run(), T.repo).format).toBe("DOCKER");
    const image = inputs(run(), T.image);
    expect(image.push).toBe(true);
    expect(image.registries).toEqual([
      { address: "europe-west1-docker.pkg.dev", username: "oauth2accesstoken", password: "[secret]" },
    ]);
    const ref = manifest(run(), "Deployment", "web").spec.template.spec.containers[0].image;
    expect(ref).toMatch(
      new RegExp(`^europe-west1-docker\\.pkg\\.dev/my-django-${stack}/django-k8s/app@sha256:[0-9a-f]{64}$`),
    );
  });

  it("exposes web through GKE Ingress health-checking /readyz, and keeps Flower private", () => {
    const service = manifest(run(), "Service", "web");
    expect(service.spec.type).toBe("ClusterIP");
    expect(JSON.parse(service.metadata.annotations["cloud.google.com/neg"])).toEqual({ ingress: true });
    const backend = manifest(run(), "BackendConfig", "web");
    expect(backend.spec.healthCheck).toMatchObject({ requestPath: "/readyz", port: 8000 });
    const ingress = manifest(run(), "Ingress", "web");
    expect(ingress.metadata.annotations["kubernetes.io/ingress.class"]).toBe("gce");
    expect(ingress.metadata.annotations["kubernetes.io/ingress.global-static-ip-name"]).toBeTruthy();
    expect(Boolean(ingress.metadata.annotations["networking.gke.io/managed-certificates"])).toBe(prod);
    if (prod) expect(manifest(run(), "ManagedCertificate", "web").spec.domains).toEqual(["app.example.com"]);
    expect(manifest(run(), "Service", "flower").spec.type).toBe("ClusterIP");
    expect(run().outputs.flowerAccess?.value).toBe("kubectl -n django port-forward svc/flower 5555:5555");
  });

  it("outputs what an operator needs, secrets marked", () => {
    expect(Object.keys(run().outputs)).toEqual(
      expect.arrayContaining([
        "appUrl",
        "staticUrl",
        "flowerAccess",
        "clusterName",
        "kubeconfig",
        "cloudSqlConnectionName",
        "redisHost",
        "bucketName",
        "image",
      ]),
    );
    expect(run().outputs.appUrl?.value).toEqual(
      prod ? "https://app.example.com/" : expect.stringMatching(/^http:\/\/34\./),
    );
    expect(run().outputs.flowerPassword?.secret).toBe(true);
  });
});

describe("gcp options", () => {
  it("deploys a configured image and builds nothing", () => {
    const run = programRun("dev", {
      "django-k8s:image": "europe-docker.pkg.dev/p/r/app@sha256:" + "b".repeat(64),
    });
    expect(run.resources.some((r) => r.type === T.image)).toBe(false);
    expect(manifest(run, "Deployment", "web").spec.template.spec.containers[0].image).toMatch(
      /@sha256:b{64}$/,
    );
  });
});
