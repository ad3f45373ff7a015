/**
 * The price table (data/gcp-prices.json): Google Cloud list prices, each with the page it comes
 * from and the date it was read. A price is either flat (the same everywhere: the GKE fee, KMS,
 * forwarding rules) or given per region; a region the table does not list has no price, so the
 * caller names it instead of pricing it as zero.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Price {
  description: string;
  unit: string;
  flat?: number;
  regions?: Record<string, number>;
  source: string;
  read: string;
  note?: string;
  freeGb?: number;
  /**
   * The regions (or "*" for a flat price) whose figure was not read from any page: "from memory"
   * or "inferred" from figures that were read. The note says why; the report lists each one used.
   */
  notRead?: Record<string, NotRead>;
}

export const NOT_READ = ["from memory", "inferred"] as const;
export type NotRead = (typeof NOT_READ)[number];

export interface UsagePriced {
  item: string;
  price: string;
  assumption: string;
  source: string;
  read: string;
  note?: string;
}

export interface PriceTable {
  currency: string;
  hoursPerMonth: number;
  assumptions: { artifactRegistryGbPerImage: number; kmsRotationsPerYear: number };
  prices: Record<string, Price>;
  usagePriced: UsagePriced[];
}

export const PRICE_FILE = path.join(__dirname, "..", "..", "data", "gcp-prices.json");

export function loadPrices(file = PRICE_FILE): PriceTable {
  return JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable;
}

/** The price of `id` in `region` (flat prices ignore it), or undefined when the table has none. */
export function priceOf(table: PriceTable, id: string, region?: string): number | undefined {
  const price = table.prices[id];
  if (!price) return undefined;
  if (price.flat !== undefined) return price.flat;
  return region ? price.regions?.[region] : undefined;
}

/** How the figure of `id` in `region` was not read, or undefined when it was read from a page. */
export function notReadOf(table: PriceTable, id: string, region?: string): NotRead | undefined {
  const price = table.prices[id];
  if (!price?.notRead) return undefined;
  return price.flat !== undefined ? price.notRead["*"] : region ? price.notRead[region] : undefined;
}

/** The regions the table prices (the union over every regional price). */
export function pricedRegions(table: PriceTable): string[] {
  const regions = new Set<string>();
  for (const price of Object.values(table.prices))
    for (const r of Object.keys(price.regions ?? {})) regions.add(r);
  return [...regions].sort();
}

/** Prices are re-read at least this often; older ones are flagged in the report. */
export const STALE_AFTER_DAYS = 90;

/** The oldest date any price was read, and how many days before `today` that was. */
export function priceAge(table: PriceTable, today: Date): { oldest: string; days: number; stale: boolean } {
  const dates = [...Object.values(table.prices), ...table.usagePriced].map((p) => p.read).sort();
  const oldest = dates[0] ?? "unknown";
  const days = Math.floor((today.getTime() - Date.parse(`${oldest}T00:00:00Z`)) / 86_400_000);
  return { oldest, days, stale: !(days <= STALE_AFTER_DAYS) };
}
