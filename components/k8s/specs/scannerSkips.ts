/**
 * The checkov checks that do not fit this project, skipped on the object they concern with the
 * reason beside them (checkov reads `checkov.io/skip<N>: <check>=<reason>` annotations). The
 * README lists them; a test keeps the list and the README in step.
 */
export const SKIP_REASONS = {
  CKV_K8S_15:
    "imagePullPolicy is not Always: every image is pinned (by digest; the app on minikube by content-hash tag built into the node), so pulling again changes nothing but adds a registry dependency to every start",
  CKV_K8S_43:
    "the app's image is by digest on GCP, but on minikube it is built into the node, where no registry digest exists (every third-party image is by digest everywhere)",
  CKV_K8S_40:
    "runs as the image's own non-root user (postgres 70, redis 999), so the data directory's ownership matches the image; still non-root under the restricted profile",
  CKV_K8S_9:
    "no readiness probe: it serves no traffic and sits behind no Service (Celery worker, beat, the load generator), so readiness would gate nothing",
  CKV_K8S_8:
    "no liveness probe: the load generator is a client whose only failure is exiting, which the kubelet restarts; its image has no shell or endpoint to probe",
} as const;

export type SkippedCheck = keyof typeof SKIP_REASONS;

export function checkovSkips(...checks: SkippedCheck[]): Record<string, string> {
  return Object.fromEntries(
    checks.map((check, i) => [`checkov.io/skip${i + 1}`, `${check}=${SKIP_REASONS[check]}`]),
  );
}
