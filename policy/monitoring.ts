/**
 * A stack-level policy: where required (prod, policy/gcp-prod.json), the stack must tell someone
 * when the site is down, slow, failing or piling up tasks: at least one notification channel, an
 * uptime check, and every alert policy of components/gcp/alertRules.ts, each notifying a channel.
 * Resource policies see one resource at a time; this needs the whole stack.
 */
import type { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";

export interface MonitoringPolicyConfig {
  requireMonitoring?: boolean;
}

const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const UPTIME_CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";
const ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";

/** What the alerts must cover, by a word of their titles (alertRules.ts names them so). */
export const REQUIRED_ALERTS: Record<string, RegExp> = {
  "site down": /^Site down/,
  "5xx ratio": /5xx/,
  "p95 latency": /p95 latency/,
  "queue backlog": /tasks waiting/,
  "oldest waiting task": /task has waited/,
  "no worker": /No Celery worker/,
  "beat heartbeat": /Beat's heartbeat/,
  "Cloud SQL CPU": /Cloud SQL CPU/,
  "Cloud SQL storage": /Cloud SQL storage/,
  "Cloud SQL connections": /Cloud SQL connections/,
  "Memorystore memory": /Memorystore memory/,
};

type Resource = Pick<PolicyResource, "type" | "props">;

export function monitoringProblems(resources: Resource[], config: MonitoringPolicyConfig): string[] {
  if (!config.requireMonitoring) return [];
  const of = (type: string) => resources.filter((r) => r.type === type);
  const problems: string[] = [];
  if (of(CHANNEL).length === 0)
    problems.push("no notification channel: set django-k8s:alertEmails (docs/observability.md)");
  if (of(UPTIME_CHECK).length === 0) problems.push("no uptime check on the site's liveness path");
  const alerts = of(ALERT_POLICY);
  for (const [signal, title] of Object.entries(REQUIRED_ALERTS)) {
    if (!alerts.some((a) => title.test(String(a.props.displayName ?? ""))))
      problems.push(`no alert policy for ${signal}`);
  }
  for (const alert of alerts) {
    if ((alert.props.notificationChannels ?? []).length === 0)
      problems.push(`alert policy "${alert.props.displayName}" notifies no channel`);
  }
  return problems;
}

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "monitoring-required",
    description:
      "Where required (prod): at least one notification channel, the uptime check, and the alert policies (site down, 5xx ratio, p95 latency, queue backlog, oldest task, no worker, beat heartbeat, Cloud SQL CPU/storage/connections, Memorystore memory), each notifying a channel.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requireMonitoring: { type: "boolean", default: false } } },
    validateStack: (args: StackValidationArgs, reportViolation) => {
      for (const problem of monitoringProblems(
        args.resources,
        args.getConfig<MonitoringPolicyConfig>() ?? {},
      ))
        reportViolation(problem);
    },
  },
];
