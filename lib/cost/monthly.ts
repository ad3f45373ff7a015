/**
 * A stack's monthly cost from what synth recorded (resources.json) and the price table: pure,
 * so every figure can be checked by hand. Each priced item is a line with a low and a high
 * figure (they differ where the stack scales: node pools between their minimum and maximum);
 * whatever cannot be priced (a machine type, tier or region the table lacks) goes to `unknown`,
 * named, and adds nothing, so a total with unknowns is a floor, never a silent zero.
 */
import { GCP_ZONES } from "../gcpRegions";
import { machineShape } from "./machines";
import { type NotRead, notReadOf, type PriceTable, pricedRegions, priceOf } from "./prices";

export interface CostResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export interface CostLine {
  item: string;
  detail: string;
  low: number;
  high: number;
}

export interface MonthlyCost {
  low: number;
  high: number;
  lines: CostLine[];
  unknown: string[];
  /** The figures used that were not read from a page (data/gcp-prices.json's notRead). */
  notRead: NotReadFigure[];
}

export interface NotReadFigure {
  id: string;
  region?: string;
  how: NotRead;
}

/** The region of a resource from its `region` or `location` (a zone names its region). */
export function regionOf(inputs: Record<string, any>): string | undefined {
  const where = inputs.region ?? inputs.location;
  if (typeof where !== "string") return undefined;
  const zone = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(where);
  return zone ? zone[1] : /^[a-z]+-[a-z]+\d+$/.test(where) ? where : undefined;
}

/** How many zones a regional or zonal node pool spreads over. */
function zoneCount(inputs: Record<string, any>): number {
  if (Array.isArray(inputs.nodeLocations) && inputs.nodeLocations.length) return inputs.nodeLocations.length;
  const where = String(inputs.location ?? "");
  return where in GCP_ZONES ? GCP_ZONES[where as keyof typeof GCP_ZONES].length : 1;
}

/**
 * Collects lines and unknowns while the pricers run; `price` names what is missing, and each
 * figure it hands out that was not read from a page (as soon as it hands it out: a line that is
 * then dropped for another missing price still has its figure named, which can only over-warn).
 */
class Ledger {
  lines: CostLine[] = [];
  unknown: string[] = [];
  notRead: NotReadFigure[] = [];
  constructor(
    readonly table: PriceTable,
    readonly resources: CostResource[],
  ) {}
  get hours() {
    return this.table.hoursPerMonth;
  }
  price(id: string, region: string | undefined, what: string): number | undefined {
    const value = priceOf(this.table, id, region);
    if (value !== undefined) {
      const how = notReadOf(this.table, id, region);
      // A flat price is the same everywhere: named once, without a region.
      const where = this.table.prices[id]!.flat !== undefined ? undefined : region;
      if (how && !this.notRead.some((f) => f.id === id && f.region === where))
        this.notRead.push({ id, ...(where ? { region: where } : {}), how });
      return value;
    }
    const regional = !this.table.prices[id] || this.table.prices[id]!.flat === undefined;
    this.unknown.push(
      regional && region && !pricedRegions(this.table).includes(region)
        ? `${what}: region ${region} is not in the price table (it has ${pricedRegions(this.table).join(", ")})`
        : `${what}: no price "${id}"${region ? ` in ${region}` : ""} in the price table`,
    );
    return undefined;
  }
  add(item: string, detail: string, low: number, high = low) {
    this.lines.push({ item, detail, low, high });
  }
  count(pattern: RegExp) {
    return this.resources.filter((r) => pattern.test(r.type));
  }
}

/** Hourly price of one machine of `type`, or undefined (named in the ledger). */
function machineHourly(
  ledger: Ledger,
  type: string,
  region: string | undefined,
  spot: boolean,
  what: string,
) {
  const shape = machineShape(type);
  if (!shape) {
    ledger.unknown.push(`${what}: machine type ${type} is not in the price table`);
    return undefined;
  }
  if (shape.sharedCore)
    return spot
      ? ledger.price(`${shape.sharedCore}.spot`, region, what)
      : ledger.price(shape.sharedCore, region, what);
  const kind = `compute.${shape.family}${spot ? ".spot" : ""}`;
  const vcpu = ledger.price(`${kind}.vcpu`, region, what);
  const memory = ledger.price(`${kind}.memory`, region, what);
  return vcpu === undefined || memory === undefined
    ? undefined
    : shape.vcpus * vcpu + shape.memoryGib * memory;
}

/** Node pools: machines between min and max count per zone, times the zones, plus boot disks. */
function nodePools(ledger: Ledger): [number, number] {
  let [low, high] = [0, 0];
  for (const pool of ledger.count(/^gcp:container\/nodePool:/)) {
    const config = pool.inputs.nodeConfig ?? {};
    const [type, spot, region] = [
      config.machineType ?? "e2-medium",
      Boolean(config.spot),
      regionOf(pool.inputs),
    ];
    const zones = zoneCount(pool.inputs);
    const min = (pool.inputs.autoscaling?.minNodeCount ?? pool.inputs.nodeCount ?? 1) * zones;
    const max = (pool.inputs.autoscaling?.maxNodeCount ?? pool.inputs.nodeCount ?? 1) * zones;
    [low, high] = [low + min, high + max];
    const what = `node pool ${pool.name}`;
    const hourly = machineHourly(ledger, type, region, spot, what);
    const diskType = config.diskType ?? "pd-balanced";
    const disk = ledger.price(`disk.${diskType}`, region, what);
    if (hourly === undefined || disk === undefined) continue;
    const perNode = hourly * ledger.hours + (config.diskSizeGb ?? 100) * disk;
    const where = zones > 1 ? `, ${zones} zones` : "";
    ledger.add(
      `GKE nodes ${type}${spot ? " (Spot)" : ""}`,
      `${min}–${max} nodes${where}, each $${hourly.toFixed(6)}/h × ${ledger.hours} h + ${config.diskSizeGb ?? 100} GB ${diskType}`,
      min * perNode,
      max * perNode,
    );
  }
  return [low, high];
}

function clusters(ledger: Ledger) {
  for (const cluster of ledger.count(/^gcp:container\/cluster:/)) {
    const fee = ledger.price("gke.cluster", undefined, `cluster ${cluster.name}`);
    if (fee !== undefined)
      ledger.add(
        "GKE cluster fee",
        `$${fee}/h × ${ledger.hours} h (free-tier credit not deducted)`,
        fee * ledger.hours,
      );
  }
}

/** Cloud SQL: dedicated tiers per vCPU and GiB, shared-core tiers by the hour; HA doubles both. */
function cloudSql(ledger: Ledger) {
  for (const db of ledger.count(/^gcp:sql\/databaseInstance:/)) {
    const settings = db.inputs.settings ?? {};
    const [tier, region, ha] = [
      String(settings.tier),
      regionOf(db.inputs),
      settings.availabilityType === "REGIONAL",
    ];
    const what = `Cloud SQL ${db.name} (${tier})`;
    const suffix = ha ? ".ha" : "";
    const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier);
    let hourly: number | undefined;
    if (custom) {
      const [vcpu, memory] = [
        ledger.price(`sql.vcpu${suffix}`, region, what),
        ledger.price(`sql.memory${suffix}`, region, what),
      ];
      if (vcpu !== undefined && memory !== undefined)
        hourly = Number(custom[1]) * vcpu + (Number(custom[2]) / 1024) * memory;
    } else if (tier === "db-f1-micro" || tier === "db-g1-small") {
      const shared = ledger.price(`sql.${tier}`, region, what);
      if (shared !== undefined) hourly = shared * (ha ? 2 : 1);
    } else ledger.unknown.push(`${what}: tier ${tier} is not in the price table`);
    const [diskGb, diskKind] = [settings.diskSize ?? 10, settings.diskType === "PD_HDD" ? "hdd" : "ssd"];
    const disk = ledger.price(`sql.${diskKind}${suffix}`, region, what);
    if (hourly === undefined || disk === undefined) continue;
    ledger.add(
      `Cloud SQL ${tier}${ha ? " HA" : ""}`,
      `$${hourly.toFixed(4)}/h × ${ledger.hours} h + ${diskGb} GB ${diskKind.toUpperCase()} at $${disk}/GB-month`,
      hourly * ledger.hours + diskGb * disk,
    );
  }
}

/** Memorystore: per GB-hour by tier and capacity band. */
function memorystore(ledger: Ledger) {
  for (const redis of ledger.count(/^gcp:redis\/instance:/)) {
    const [gb, tier, region] = [
      Number(redis.inputs.memorySizeGb ?? 1),
      String(redis.inputs.tier ?? "BASIC"),
      regionOf(redis.inputs),
    ];
    const band = gb <= 4 ? "m1" : gb <= 10 ? "m2" : gb <= 35 ? "m3" : undefined;
    const kind = tier === "BASIC" ? "basic" : tier === "STANDARD_HA" ? "standard" : undefined;
    const what = `Memorystore ${redis.name} (${tier}, ${gb} GB)`;
    if (!band || !kind) {
      ledger.unknown.push(`${what}: ${!kind ? `tier ${tier}` : `${gb} GB`} is not in the price table`);
      continue;
    }
    const rate = ledger.price(`redis.${kind}.${band}`, region, what);
    if (rate !== undefined)
      ledger.add(
        `Memorystore ${tier} ${gb} GB`,
        `${gb} GB × $${rate}/GB-h (${band.toUpperCase()}) × ${ledger.hours} h`,
        gb * rate * ledger.hours,
      );
  }
}

export { cloudSql, clusters, Ledger, machineHourly, memorystore, nodePools };
