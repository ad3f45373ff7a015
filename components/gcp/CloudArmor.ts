/**
 * Cloud Armor in front of the public entries: a backend policy for the web app (Google's
 * preconfigured WAF rules, a per-client rate limit, trusted clients such as the load generator
 * let through first) and an edge policy for the static files' backend bucket.
 *
 * Edge policies (the only kind a backend bucket takes) match source addresses and regions only:
 * no WAF expressions and no rate limiting there (Cloud Armor's documented limits), so the
 * bucket's policy admits the trusted clients and everyone else, and is the place where
 * address or region blocks go. The static files are public and read-only anyway.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export type WafMode = "preview" | "enforce";

export interface CloudArmorArgs {
  project: string;
  /** preview: WAF matches are logged only; enforce: they get 403. */
  wafMode: WafMode;
  /** Requests per minute one client address may send the web app before getting 429. */
  requestsPerMinute: number;
  /** CIDRs passed before any other rule (the load generator's NAT address). */
  trustedClients: pulumi.Input<pulumi.Input<string>[]>;
  /** The compute API. */
  dependsOn: pulumi.Resource[];
}

/**
 * Google's preconfigured rule sets (ModSecurity CRS 3.3) at sensitivity 1, the level Google
 * recommends to start with because it has the fewest false positives.
 */
export const WAF_RULE_SETS = [
  "sqli-v33-stable",
  "xss-v33-stable",
  "lfi-v33-stable",
  "rfi-v33-stable",
  "rce-v33-stable",
  "methodenforcement-v33-stable",
  "scannerdetection-v33-stable",
  "protocolattack-v33-stable",
  "sessionfixation-v33-stable",
] as const;

/** Rule priorities: lower runs first; the first rule that matches decides. */
const PRIORITY = { trusted: 100, waf: 1000, rateLimit: 2000, default: 2147483647 } as const;

type Rule = gcp.types.input.compute.SecurityPolicyRule;

export class CloudArmor extends pulumi.ComponentResource {
  /** For the web Service's BackendConfig (`securityPolicy.name`). */
  readonly backendPolicy: gcp.compute.SecurityPolicy;
  /** For the static files' backend bucket (`edgeSecurityPolicy`). */
  readonly edgePolicy: gcp.compute.SecurityPolicy;

  constructor(name: string, args: CloudArmorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:gcp:CloudArmor", name, {}, opts);
    const parent = { parent: this, dependsOn: args.dependsOn };
    this.backendPolicy = new gcp.compute.SecurityPolicy(
      `${name}-web`,
      {
        project: args.project,
        type: "CLOUD_ARMOR",
        description: "web app: trusted clients, preconfigured WAF, per-client rate limit",
        rules: webRules(args),
      },
      parent,
    );
    this.edgePolicy = new gcp.compute.SecurityPolicy(
      `${name}-static`,
      {
        project: args.project,
        type: "CLOUD_ARMOR_EDGE",
        description: "static files: trusted clients; address and region blocks go here",
        rules: [trustedRule(args.trustedClients), defaultAllow()],
      },
      parent,
    );
    this.registerOutputs({ backendPolicy: this.backendPolicy.name, edgePolicy: this.edgePolicy.name });
  }
}

/** The web policy's rules, in priority order. Pure, so it is tested without mocks. */
export function webRules(
  args: Pick<CloudArmorArgs, "wafMode" | "requestsPerMinute" | "trustedClients">,
): Rule[] {
  return [
    trustedRule(args.trustedClients),
    ...WAF_RULE_SETS.map(
      (ruleSet, i): Rule => ({
        priority: PRIORITY.waf + i,
        action: "deny(403)",
        preview: args.wafMode === "preview",
        description: `preconfigured WAF: ${ruleSet}`,
        match: { expr: { expression: `evaluatePreconfiguredWaf('${ruleSet}', {'sensitivity': 1})` } },
      }),
    ),
    {
      priority: PRIORITY.rateLimit,
      action: "throttle",
      description: `at most ${args.requestsPerMinute} requests a minute per client address`,
      match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
      rateLimitOptions: {
        conformAction: "allow",
        exceedAction: "deny(429)",
        enforceOnKey: "IP",
        rateLimitThreshold: { count: args.requestsPerMinute, intervalSec: 60 },
      },
    },
    defaultAllow(),
  ];
}

/** Trusted clients skip every later rule (an empty list still needs a range: a documentation-only one). */
function trustedRule(clients: pulumi.Input<pulumi.Input<string>[]>): Rule {
  return {
    priority: PRIORITY.trusted,
    action: "allow",
    description: "trusted clients (the load generator)",
    match: {
      versionedExpr: "SRC_IPS_V1",
      config: {
        srcIpRanges: pulumi.output(clients).apply((list) => (list.length > 0 ? list : [NO_CLIENT])),
      },
    },
  };
}

/** TEST-NET-1 (RFC 5737): never a real client, so an empty trust list trusts no one. */
export const NO_CLIENT = "192.0.2.0/32";

function defaultAllow(): Rule {
  return {
    priority: PRIORITY.default,
    action: "allow",
    description: "everyone else",
    match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
  };
}
