/** Cloud Armor's web rules and the secrets key's location: pure, without the engine. */
import { describe, expect, it } from "vitest";
import { NO_CLIENT, WAF_RULE_SETS, webRules } from "../../components/gcp/CloudArmor";
import { keyLocation } from "../../components/gcp/GkeCluster";

describe("Cloud Armor web rules", () => {
  it("only logs WAF matches in preview, refuses them in enforce", () => {
    for (const mode of ["preview", "enforce"] as const) {
      const waf = webRules({ wafMode: mode, requestsPerMinute: 600, trustedClients: [] }).filter(
        (r) => r.action === "deny(403)",
      );
      expect(waf).toHaveLength(WAF_RULE_SETS.length);
      expect(waf.every((r) => r.preview === (mode === "preview"))).toBe(true);
    }
  });

  it("throttles each client address at the configured rate, after the WAF", () => {
    const rules = webRules({ wafMode: "enforce", requestsPerMinute: 90, trustedClients: [] });
    const throttle = rules.find((r) => r.action === "throttle")!;
    expect(throttle.rateLimitOptions).toMatchObject({ rateLimitThreshold: { count: 90, intervalSec: 60 } });
    const wafPriorities = rules.filter((r) => r.action === "deny(403)").map((r) => r.priority as number);
    expect(Math.min(...wafPriorities)).toBeLessThan(throttle.priority as number);
    // The last rule lets everyone else through.
    expect(rules.at(-1)).toMatchObject({ action: "allow", priority: 2147483647 });
  });

  it("puts the trusted clients' rule first (its addresses are checked in tests/stack/security.test.ts)", () => {
    const rules = webRules({ wafMode: "enforce", requestsPerMinute: 600, trustedClients: ["35.187.0.9/32"] });
    const priorities = rules.map((r) => r.priority as number);
    expect(rules[0]).toMatchObject({ action: "allow", priority: Math.min(...priorities) });
    expect(NO_CLIENT).toBe("192.0.2.0/32"); // TEST-NET-1: never a real client
  });
});

describe("the secrets key's location", () => {
  it("is the cluster's region, also for a zonal cluster", () => {
    expect(keyLocation("europe-west1")).toBe("europe-west1");
    expect(keyLocation("europe-west1-b")).toBe("europe-west1");
    expect(keyLocation("us-central1-f")).toBe("us-central1");
  });
});
