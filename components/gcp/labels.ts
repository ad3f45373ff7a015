/**
 * The labels every Google Cloud resource of the stack carries. The gcp provider applies them
 * as `defaultLabels` to each resource with a top-level `labels` field (merged under that
 * resource's own labels); fields the provider does not reach, such as Cloud SQL's
 * `settings.userLabels`, take GCP_LABELS explicitly.
 */
export const GCP_LABELS: Record<string, string> = { "managed-by": "pulumi", app: "django-k8s" };
