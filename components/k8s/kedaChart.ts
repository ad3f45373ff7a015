/**
 * KEDA's Helm chart as this program installs it: the chart vendored in the repository
 * (vendor/charts/README.md says from where and how to update it), the values the Release sets,
 * and what the scanners cannot have from those values. The Release (Keda.ts) and the scanned
 * render (scripts/renderCharts.ts, which reads the Release's recorded inputs) take all of it from
 * here, so what is scanned is what is installed.
 */

export const KEDA_NAMESPACE = "keda";

/** The chart, vendored: no chart repository is fetched at deploy time. */
export const KEDA_CHART = {
  name: "keda",
  version: "2.17.2",
  /** Relative to the Pulumi project, where the engine runs the program and helm template runs. */
  path: "./vendor/charts/keda-2.17.2",
} as const;

/**
 * The UID and GID the pods run as: the images' own user (kedacore/keda v2.17.2's Dockerfiles end
 * in distroless's "USER 65532:65532"), set on the pod so the scanners and the API server see a
 * non-root UID above 10000 rather than trust the image; the chart leaves it unset.
 */
const NONROOT_ID = 65532;

const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NONROOT_ID,
  runAsGroup: NONROOT_ID,
  fsGroup: NONROOT_ID,
  seccompProfile: { type: "RuntimeDefault" },
};

/** The chart's values (deep-merged by Helm over the chart's values.yaml). */
export const KEDA_VALUES = {
  resources: {
    operator: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    metricServer: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    webhooks: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
  },
  podSecurityContext: {
    operator: podSecurityContext,
    metricServer: podSecurityContext,
    webhooks: podSecurityContext,
  },
};

/**
 * The chart's images, by tag only, and why: every other third-party image of the project is
 * pinned by digest, but no digest of these could be read here (no registry is reachable from
 * where this was written, and no published record of the 2.17.2 digests was found). Pinning
 * them is `image.<component>.tag: "2.17.2@sha256:<digest>"` in KEDA_VALUES once read with
 * `crane digest` or `docker buildx imagetools inspect`; the test then expects the digests.
 */
export const KEDA_UNPINNED_IMAGES = {
  "ghcr.io/kedacore/keda:2.17.2": "operator: digest not readable offline",
  "ghcr.io/kedacore/keda-metrics-apiserver:2.17.2": "metrics API server: digest not readable offline",
  "ghcr.io/kedacore/keda-admission-webhooks:2.17.2": "admission webhooks: digest not readable offline",
} as const;

/** The chart's workloads, as the skip lists name objects (`Kind/name`). */
const KEDA_DEPLOYMENTS = [
  "Deployment/keda-operator",
  "Deployment/keda-operator-metrics-apiserver",
  "Deployment/keda-admission-webhooks",
];

/** A checkov check skipped on some of the chart's objects (`Kind/name`), with the reason. */
export interface ScannerSkip {
  check: string;
  reason: string;
  objects: readonly string[];
}

/**
 * The checks the chart's objects fail that no value of the chart can fix. scripts/renderCharts.ts
 * annotates each object with its skips, as the program's own objects carry theirs
 * (specs/scannerSkips.ts); docs/security.md lists them.
 */
export const KEDA_SCANNER_SKIPS: readonly ScannerSkip[] = [
  {
    check: "CKV_K8S_43",
    reason:
      "image by tag, not digest: no digest of KEDA's 2.17.2 images could be read where this was written (KEDA_UNPINNED_IMAGES)",
    objects: KEDA_DEPLOYMENTS,
  },
  {
    check: "CKV_K8S_38",
    reason:
      "KEDA's pods are API clients by design (the operator watches ScaledObjects and scales workloads, the metrics server and webhooks read them), so they need their service account token",
    objects: KEDA_DEPLOYMENTS,
  },
  {
    check: "CKV_K8S_155",
    reason:
      "the operator rotates the certificate of its own admission webhook and patches the CA bundle into keda-admission (the chart's minimal role, limited to what it needs)",
    objects: ["ClusterRole/keda-operator-minimal-cluster-role"],
  },
  {
    check: "CKV2_K8S_6",
    reason:
      "KEDA's pods are reached by the API server (admission webhook, external metrics APIService) from control-plane addresses the program does not know on either platform; the chart's own policies are Cilium-only",
    objects: KEDA_DEPLOYMENTS,
  },
];
