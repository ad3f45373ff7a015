/**
 * Monthly cost of a stack and of a preview environment, from the price table in
 * data/gcp-prices.json. Pure: `npm run pr-report` feeds it what synth recorded.
 */
import {
  type CostResource,
  cloudSql,
  clusters,
  Ledger,
  type MonthlyCost,
  memorystore,
  nodePools,
} from "./monthly";
import {
  armorAndDns,
  artifactRegistry,
  cloudNat,
  forwardingRules,
  instances,
  kmsKeys,
  staticAddresses,
} from "./network";
import type { PriceTable } from "./prices";

export type { CostLine, CostResource, MonthlyCost, NotReadFigure } from "./monthly";
export { regionOf } from "./monthly";
export { type PodRequests, type PreviewCost, podsFromManifests, previewMonthlyCost } from "./preview";
export {
  loadPrices,
  NOT_READ,
  notReadOf,
  PRICE_FILE,
  type PriceTable,
  priceAge,
  STALE_AFTER_DAYS,
} from "./prices";

/** The monthly cost of everything in `resources` that the price table covers; the rest named in `unknown`. */
export function monthlyCost(resources: CostResource[], prices: PriceTable): MonthlyCost {
  const ledger = new Ledger(prices, resources);
  clusters(ledger);
  const nodes = nodePools(ledger);
  cloudSql(ledger);
  memorystore(ledger);
  forwardingRules(ledger);
  cloudNat(ledger, nodes);
  staticAddresses(ledger);
  kmsKeys(ledger);
  artifactRegistry(ledger);
  armorAndDns(ledger);
  instances(ledger);
  const sum = (pick: "low" | "high") => ledger.lines.reduce((total, line) => total + line[pick], 0);
  return {
    low: sum("low"),
    high: sum("high"),
    lines: ledger.lines,
    unknown: [...new Set(ledger.unknown)],
    notRead: ledger.notRead,
  };
}
