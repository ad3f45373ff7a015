/**
 * Cloud Monitoring for the app, from config: e-mail notification channels, an uptime check on the
 * public liveness path, one alert policy per signal (alertRules.ts) and one dashboard of the same
 * signals. The app's own signals are PromQL over what Managed Prometheus scrapes
 * (ManagedPrometheus.ts); Cloud SQL, Memorystore and the uptime check are Google's metrics.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { LIVENESS_PATH } from "../k8s/djangoApp/appContract";
import { type AlertRule, type AlertThresholds, alertRules, dashboardTiles } from "./alertRules";

export interface MonitoringArgs {
  project: pulumi.Input<string>;
  /** The app's namespace: every PromQL query is scoped to it. */
  namespace: string;
  /** The public host (domain or load balancer address) the uptime check requests. */
  host: pulumi.Input<string>;
  https: boolean;
  /** Who is told: one e-mail channel each. */
  alertEmails: string[];
  thresholds: AlertThresholds;
  /** The Cloud SQL instance (`project:instance` is its database_id) and the Memorystore instance id. */
  cloudSqlInstance: pulumi.Input<string>;
  redisInstance: pulumi.Input<string>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class Monitoring extends pulumi.ComponentResource {
  readonly channels: gcp.monitoring.NotificationChannel[];
  readonly uptimeCheck: gcp.monitoring.UptimeCheckConfig;
  readonly alertPolicies: gcp.monitoring.AlertPolicy[];
  readonly dashboard: gcp.monitoring.Dashboard;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:Monitoring", name, {}, opts);
    const child = { parent: this, dependsOn: args.dependsOn };
    this.channels = this.createChannels(name, args, child);
    this.uptimeCheck = this.createUptimeCheck(name, args, child);
    this.alertPolicies = this.createAlertPolicies(name, args, child);
    this.dashboard = this.createDashboard(name, args, child);
    this.registerOutputs({});
  }

  private createChannels(name: string, args: MonitoringArgs, opts: pulumi.CustomResourceOptions) {
    return args.alertEmails.map(
      (email, index) =>
        new gcp.monitoring.NotificationChannel(
          `${name}-email-${index}`,
          {
            project: args.project,
            type: "email",
            displayName: `Django alerts: ${email}`,
            labels: { email_address: email },
          },
          opts,
        ),
    );
  }

  private createUptimeCheck(name: string, args: MonitoringArgs, opts: pulumi.CustomResourceOptions) {
    return new gcp.monitoring.UptimeCheckConfig(
      `${name}-uptime`,
      {
        project: args.project,
        displayName: "Django site liveness",
        period: "60s",
        timeout: "10s",
        httpCheck: {
          path: LIVENESS_PATH,
          port: args.https ? 443 : 80,
          useSsl: args.https,
          validateSsl: args.https,
          acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }],
        },
        monitoredResource: { type: "uptime_url", labels: { project_id: args.project, host: args.host } },
      },
      opts,
    );
  }

  private createAlertPolicies(name: string, args: MonitoringArgs, opts: pulumi.CustomResourceOptions) {
    const channels = this.channels.map((channel) => channel.name);
    return alertRules(args.namespace, args.thresholds).map(
      (rule) =>
        new gcp.monitoring.AlertPolicy(
          `${name}-${rule.id}`,
          {
            project: args.project,
            displayName: rule.title,
            combiner: "OR",
            severity: rule.severity,
            notificationChannels: channels,
            documentation: { content: rule.runbook, mimeType: "text/markdown" },
            alertStrategy: { autoClose: "1800s" },
            conditions: [condition(rule, args)],
          },
          opts,
        ),
    );
  }

  private createDashboard(name: string, args: MonitoringArgs, opts: pulumi.CustomResourceOptions) {
    const dashboardJson = pulumi
      .all([args.cloudSqlInstance, args.redisInstance, args.project])
      .apply(([sql, redis, project]) =>
        JSON.stringify({
          displayName: "Django service",
          mosaicLayout: { columns: 48, tiles: dashboardTiles(args.namespace, `${project}:${sql}`, redis) },
        }),
      );
    return new gcp.monitoring.Dashboard(`${name}-dashboard`, { project: args.project, dashboardJson }, opts);
  }
}

/** A rule's condition: PromQL for the app's metrics, a threshold on a Google metric otherwise. */
function condition(rule: AlertRule, args: MonitoringArgs): gcp.types.input.monitoring.AlertPolicyCondition {
  const { signal } = rule;
  if (signal.kind === "promql")
    return {
      displayName: rule.title,
      conditionPrometheusQueryLanguage: {
        query: signal.query,
        duration: signal.for,
        evaluationInterval: "60s",
      },
    };
  const resource =
    signal.resource === "cloudsql"
      ? pulumi.interpolate`resource.type="cloudsql_database" AND resource.label.database_id="${args.project}:${args.cloudSqlInstance}"`
      : signal.resource === "redis"
        ? pulumi.interpolate`resource.type="redis_instance" AND resource.label.instance_id=ends_with("/${args.redisInstance}")`
        : pulumi.interpolate`resource.type="uptime_url" AND resource.label.host="${args.host}"`;
  return {
    displayName: rule.title,
    conditionThreshold: {
      filter: pulumi.interpolate`metric.type="${signal.metric}" AND ${resource}`,
      comparison: signal.below ? "COMPARISON_LT" : "COMPARISON_GT",
      thresholdValue: signal.threshold,
      duration: signal.for,
      aggregations: [
        {
          alignmentPeriod: "60s",
          perSeriesAligner: signal.aligner,
          ...(signal.reducer
            ? { crossSeriesReducer: signal.reducer, groupByFields: signal.groupBy ?? [] }
            : {}),
        },
      ],
      trigger: { count: 1 },
    },
  };
}
