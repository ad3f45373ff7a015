/**
 * Monthly cost from the price table (data/gcp-prices.json). Every expected figure is worked out
 * by hand from the table's entries, written next to it; a price update changes these on purpose.
 */
import { describe, expect, it } from "vitest";
import {
  type CostResource,
  loadPrices,
  monthlyCost,
  NOT_READ,
  podsFromManifests,
  previewMonthlyCost,
  priceAge,
  regionOf,
} from "../../lib/cost";

const prices = loadPrices();

const nodePool = (
  machineType: string,
  min: number,
  max: number,
  location = "us-central1-a",
  spot = false,
): CostResource => ({
  type: "gcp:container/nodePool:NodePool",
  name: "pool",
  inputs: {
    location,
    autoscaling: { minNodeCount: min, maxNodeCount: max },
    nodeConfig: { machineType, spot, diskSizeGb: 50, diskType: "pd-balanced" },
  },
});
const cloudSql = (
  tier: string,
  availabilityType: "ZONAL" | "REGIONAL",
  region = "europe-west1",
): CostResource => ({
  type: "gcp:sql/databaseInstance:DatabaseInstance",
  name: "postgres",
  inputs: { region, settings: { tier, availabilityType, diskSize: 20, diskType: "PD_SSD" } },
});

describe("monthlyCost", () => {
  it("prices a node machine type and count change as a min-max range", () => {
    // e2-standard-2 on demand in us-central1: 2 vCPU × $0.02181159 + 8 GiB × $0.00292353 = $0.06701142/h;
    // a node a month: 0.06701142 × 730 + 50 GB × $0.10 = $53.9183366.
    const before = monthlyCost([nodePool("e2-standard-2", 1, 3)], prices);
    expect(before.low).toBeCloseTo(53.9183366, 4);
    expect(before.high).toBeCloseTo(3 * 53.9183366, 4);
    // e2-standard-4: 4 × 0.02181159 + 16 × 0.00292353 = $0.13402284/h; × 730 + 5 = $102.8366732 a node.
    const after = monthlyCost([nodePool("e2-standard-4", 2, 5)], prices);
    expect(after.low).toBeCloseTo(205.6733464, 4);
    expect(after.high).toBeCloseTo(514.183366, 4);
    expect(after.lines[0]!.detail).toContain("2–5 nodes");
  });

  it("multiplies a regional pool's per-zone counts by the region's zones, and prices Spot", () => {
    // europe-west1 has 3 zones. e2-standard-2 Spot: 2 × $0.01162 + 8 × $0.001558 = $0.035704/h;
    // a node: 0.035704 × 730 + 50 × $0.10 = $31.06392.
    const cost = monthlyCost([nodePool("e2-standard-2", 1, 2, "europe-west1", true)], prices);
    expect(cost.low).toBeCloseTo(3 * 31.06392, 4);
    expect(cost.high).toBeCloseTo(6 * 31.06392, 4);
  });

  it("prices a shared-core machine on demand and Spot at its own price", () => {
    // e2-small in us-central1: $0.016752855/h on demand, $0.010053/h Spot; × 730 + 50 GB × $0.10.
    const onDemand = monthlyCost([nodePool("e2-small", 1, 1)], prices);
    expect(onDemand.low).toBeCloseTo(0.016752855 * 730 + 5, 4);
    const spot = monthlyCost([nodePool("e2-small", 1, 1, "us-central1-a", true)], prices);
    expect(spot.unknown).toEqual([]);
    expect(spot.low).toBeCloseTo(0.010053 * 730 + 5, 4);
  });

  it("prices a Cloud SQL tier change", () => {
    // db-custom-1-3840 in europe-west1: 1 × $0.0413 + 3.75 GiB × $0.007 = $0.06755/h × 730
    // = $49.3115, + 20 GB SSD × $0.17 = $3.40: $52.7115.
    expect(monthlyCost([cloudSql("db-custom-1-3840", "ZONAL")], prices).low).toBeCloseTo(52.7115, 4);
    // db-custom-2-7680: 2 × 0.0413 + 7.5 × 0.007 = $0.1351/h × 730 = $98.623, + $3.40.
    expect(monthlyCost([cloudSql("db-custom-2-7680", "ZONAL")], prices).low).toBeCloseTo(102.023, 4);
  });

  it("prices Cloud SQL high availability off -> on at the HA rates", () => {
    // REGIONAL: 1 × $0.0826 + 3.75 × $0.014 = $0.1351/h × 730 = $98.623, + 20 GB × $0.34 = $6.80.
    const ha = monthlyCost([cloudSql("db-custom-1-3840", "REGIONAL")], prices);
    expect(ha.low).toBeCloseTo(105.423, 4);
    expect(ha.lines[0]!.item).toBe("Cloud SQL db-custom-1-3840 HA");
  });

  it("names an unknown machine type and an unknown region instead of pricing them as zero", () => {
    const cost = monthlyCost(
      [nodePool("c3-standard-4", 1, 3), cloudSql("db-custom-1-3840", "ZONAL", "asia-south1")],
      prices,
    );
    expect(cost.lines).toEqual([]);
    expect(cost.unknown).toEqual([
      "node pool pool: machine type c3-standard-4 is not in the price table",
      "Cloud SQL postgres (db-custom-1-3840): region asia-south1 is not in the price table (it has europe-west1, us-central1)",
    ]);
  });

  it("prices Memorystore by tier and size, and the flat items", () => {
    const cost = monthlyCost(
      [
        {
          type: "gcp:redis/instance:Instance",
          name: "redis",
          inputs: { region: "us-central1", tier: "STANDARD_HA", memorySizeGb: 2 },
        },
        { type: "gcp:container/cluster:Cluster", name: "c", inputs: { location: "us-central1-a" } },
        { type: "gcp:compute/globalAddress:GlobalAddress", name: "ip", inputs: {} },
        { type: "gcp:compute/globalAddress:GlobalAddress", name: "psa", inputs: { addressType: "INTERNAL" } },
      ],
      prices,
    );
    // Redis: 2 GB × $0.064 × 730 = $93.44; cluster fee $0.10 × 730 = $73; one external IP $0.005 × 730 = $3.65.
    expect(cost.lines.map((l) => [l.item, +l.low.toFixed(4)])).toEqual([
      ["GKE cluster fee", 73],
      ["Memorystore STANDARD_HA 2 GB", 93.44],
      ["Static external IPs ×1", 3.65],
    ]);
    // Every figure used in us-central1 was read from a page.
    expect(cost.notRead).toEqual([]);
  });

  it("names each figure used that no page showed, and only those", () => {
    const redis = (region: string): CostResource => ({
      type: "gcp:redis/instance:Instance",
      name: "redis",
      inputs: { region, tier: "BASIC", memorySizeGb: 1 },
    });
    const belgium = monthlyCost([redis("europe-west1"), cloudSql("db-custom-1-3840", "ZONAL")], prices);
    expect(belgium.notRead).toEqual([
      { id: "sql.vcpu", region: "europe-west1", how: "inferred" },
      { id: "sql.memory", region: "europe-west1", how: "inferred" },
      { id: "sql.ssd", region: "europe-west1", how: "inferred" },
      { id: "redis.basic.m1", region: "europe-west1", how: "from memory" },
    ]);
    // Still priced: a figure not read is named, not left out.
    expect(belgium.lines.map((l) => l.item)).toEqual([
      "Cloud SQL db-custom-1-3840",
      "Memorystore BASIC 1 GB",
    ]);
    expect(monthlyCost([redis("us-central1")], prices).notRead).toEqual([]);
  });
});

describe("regionOf", () => {
  it("reads a region, a zone's region, or nothing", () => {
    expect(regionOf({ region: "europe-west1" })).toBe("europe-west1");
    expect(regionOf({ location: "us-central1-f" })).toBe("us-central1");
    expect(regionOf({ location: "EU" })).toBeUndefined();
    expect(regionOf({})).toBeUndefined();
  });
});

describe("previewMonthlyCost", () => {
  const deployment = (role: string, replicas: number, cpu: string, memory: string) => ({
    kind: "Deployment",
    metadata: { labels: { "app.kubernetes.io/component": role } },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{ resources: { requests: { cpu, memory } } }],
          initContainers: [
            { restartPolicy: "Always", resources: { requests: { cpu: "50m", memory: "64Mi" } } },
          ],
        },
      },
    },
  });
  it("prices the long-running pods' requests at the parent's machine family rates, not the Job", () => {
    const pods = podsFromManifests([
      deployment("web", 1, "250m", "448Mi"),
      deployment("worker", 2, "100m", "192Mi"),
      { kind: "Job", metadata: { labels: { "app.kubernetes.io/component": "migrate" } }, spec: {} },
    ]);
    expect(pods.map((p) => [p.role, p.replicas, p.cpuMillicores, p.memoryBytes / 2 ** 20])).toEqual([
      ["web", 1, 300, 512],
      ["worker", 2, 150, 256],
    ]);
    // e2 Spot in europe-west1: web 0.3 × $0.01162 + 0.5 GiB × $0.001558 = $0.004265/h;
    // worker 2 × (0.15 × 0.01162 + 0.25 × 0.001558) = $0.004265/h; together × 730 = $6.2269.
    const cost = previewMonthlyCost(
      { pods, machineType: "e2-standard-2", region: "europe-west1", spot: true },
      prices,
    );
    expect(cost.monthly).toBeCloseTo(6.2269, 5);
    expect(
      previewMonthlyCost({ pods, machineType: "c3-standard-4", region: "europe-west1", spot: false }, prices)
        .unknown,
    ).toEqual(["preview: machine type c3-standard-4 is not in the price table"]);
  });
});

describe("the price table", () => {
  it("marks a figure not read (notRead) exactly where its note says so, and how", () => {
    // The notes' two phrases for a figure no page showed (docs/pull-requests.md).
    const says = { "from memory": /not read: from memory/, inferred: /not read for this item but inferred/ };
    for (const [id, price] of Object.entries(prices.prices)) {
      const kinds = new Set(Object.values(price.notRead ?? {}));
      for (const how of NOT_READ)
        expect(kinds.has(how), `${id}: its note and notRead disagree on "${how}"`).toBe(
          says[how].test(price.note ?? ""),
        );
      for (const where of Object.keys(price.notRead ?? {}))
        expect(
          where === "*" ? price.flat !== undefined : where in (price.regions ?? {}),
          `${id}: ${where}`,
        ).toBe(true);
    }
  });

  it("gives every price its page and read date, and flags dates older than 90 days", () => {
    for (const [id, price] of Object.entries(prices.prices)) {
      expect(price.source, id).toMatch(/^https:\/\//);
      expect(price.read, id).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(price.flat !== undefined || Object.keys(price.regions ?? {}).length >= 2, id).toBe(true);
    }
    const oldest = priceAge(prices, new Date()).oldest;
    const day = (offset: number) => new Date(Date.parse(`${oldest}T00:00:00Z`) + offset * 86_400_000);
    expect(priceAge(prices, day(90)).stale).toBe(false);
    expect(priceAge(prices, day(91))).toEqual({ oldest, days: 91, stale: true });
  });
});
