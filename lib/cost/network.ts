/**
 * The smaller fixed items: forwarding rules (Pulumi's own and the ones the GKE Ingress controller
 * creates), Cloud NAT, static addresses, the KMS key, Artifact Registry, Cloud Armor, Cloud DNS
 * and plain VMs (the load generator).
 */
import { type Ledger, machineHourly, regionOf } from "./monthly";

/**
 * GKE's Ingress controller creates one forwarding rule for HTTP and one more for HTTPS; HTTPS
 * is on when the Ingress names a managed certificate, a pre-shared one or a TLS secret.
 */
function ingressRules(inputs: Record<string, any>): number {
  const annotations = inputs.metadata?.annotations ?? {};
  const https =
    "networking.gke.io/managed-certificates" in annotations ||
    "ingress.gcp.kubernetes.io/pre-shared-cert" in annotations ||
    (inputs.spec?.tls ?? []).length > 0;
  return https ? 2 : 1;
}

export function forwardingRules(ledger: Ledger) {
  const own = ledger.count(/^gcp:compute\/(globalF|f)orwardingRule:/).length;
  const byIngress = ledger
    .count(/^kubernetes:networking\.k8s\.io\/v1:Ingress$/)
    .reduce((sum, ingress) => sum + ingressRules(ingress.inputs), 0);
  const rules = own + byIngress;
  if (!rules) return;
  const first = ledger.price("lb.rule.first5", undefined, "forwarding rules");
  const more = ledger.price("lb.rule.additional", undefined, "forwarding rules");
  if (first === undefined || more === undefined) return;
  const hourly = Math.min(rules, 5) * first + Math.max(0, rules - 5) * more;
  ledger.add(
    `Forwarding rules ×${rules}`,
    `${own} created by Pulumi, ${byIngress} by the GKE Ingress; $${first}/h each (first 5) × ${ledger.hours} h`,
    hourly * ledger.hours,
  );
}

/** Cloud NAT: per VM using the gateway (the nodes and plain VMs), up to the gateway's most. */
export function cloudNat(ledger: Ledger, nodes: [number, number]) {
  const vms = ledger.count(/^gcp:compute\/instance:/).length;
  for (const nat of ledger.count(/^gcp:compute\/routerNat:/)) {
    const [perVm, most] = [
      ledger.price("nat.gateway.vm", undefined, "Cloud NAT"),
      ledger.price("nat.gateway.max", undefined, "Cloud NAT"),
    ];
    if (perVm === undefined || most === undefined) return;
    const monthly = (count: number) => Math.min(count * perVm, most) * ledger.hours;
    ledger.add(
      `Cloud NAT gateway ${nat.name}`,
      `${nodes[0] + vms}–${nodes[1] + vms} VMs × $${perVm}/h (at most $${most}/h) × ${ledger.hours} h`,
      monthly(nodes[0] + vms),
      monthly(nodes[1] + vms),
    );
  }
}

/** Reserved external addresses (internal ranges such as the private-service-access one are free). */
export function staticAddresses(ledger: Ledger) {
  const external = ledger
    .count(/^gcp:compute\/(globalA|a)ddress:/)
    .filter((a) => (a.inputs.addressType ?? "EXTERNAL") === "EXTERNAL");
  if (!external.length) return;
  const rate = ledger.price("ip.static", undefined, "static addresses");
  if (rate !== undefined)
    ledger.add(
      `Static external IPs ×${external.length}`,
      `${external.map((a) => a.name).join(", ")}: $${rate}/h each (in use) × ${ledger.hours} h`,
      external.length * rate * ledger.hours,
    );
}

/** KMS: one active version at first; a rotating key keeps its old versions, a year's worth at the high end. */
export function kmsKeys(ledger: Ledger) {
  for (const key of ledger.count(/^gcp:kms\/cryptoKey:/)) {
    const rate = ledger.price("kms.keyVersion", undefined, `KMS key ${key.name}`);
    if (rate === undefined) continue;
    const versions = 1 + (key.inputs.rotationPeriod ? ledger.table.assumptions.kmsRotationsPerYear : 0);
    ledger.add(
      `KMS key ${key.inputs.name ?? key.name}`,
      `1–${versions} active versions (rotation keeps the old ones) × $${rate}/month`,
      rate,
      versions * rate,
    );
  }
}

/** Artifact Registry: the images the cleanup policy keeps × an assumed size, beyond the free allowance. */
export function artifactRegistry(ledger: Ledger) {
  for (const repo of ledger.count(/^gcp:artifactregistry\/repository:/)) {
    const keep = (repo.inputs.cleanupPolicies ?? []).find((p: any) => p.mostRecentVersions?.keepCount)
      ?.mostRecentVersions.keepCount;
    const what = `Artifact Registry ${repo.name}`;
    if (!keep) {
      ledger.unknown.push(
        `${what}: no cleanup policy keeps a fixed number of images, so its size has no bound`,
      );
      continue;
    }
    const rate = ledger.price("artifactRegistry.storage", undefined, what);
    if (rate === undefined) continue;
    const [perImage, free] = [
      ledger.table.assumptions.artifactRegistryGbPerImage,
      ledger.table.prices["artifactRegistry.storage"]!.freeGb ?? 0,
    ];
    const gb = keep * perImage;
    ledger.add(
      `Artifact Registry storage`,
      `${keep} images kept × ${perImage} GB assumed = ${gb.toFixed(1)} GB, less ${free} GB free, × $${rate}/GB-month`,
      Math.max(0, gb - free) * rate,
    );
  }
}

export function armorAndDns(ledger: Ledger) {
  for (const policy of ledger.count(/^gcp:compute\/securityPolicy:/)) {
    const [base, rule] = [
      ledger.price("armor.policy", undefined, `Cloud Armor ${policy.name}`),
      ledger.price("armor.rule", undefined, `Cloud Armor ${policy.name}`),
    ];
    const rules = (policy.inputs.rules ?? []).length;
    if (base !== undefined && rule !== undefined)
      ledger.add(
        `Cloud Armor policy ${policy.name}`,
        `$${base}/month + ${rules} rules × $${rule}`,
        base + rules * rule,
      );
  }
  for (const zone of ledger.count(/^gcp:dns\/managedZone:/)) {
    const rate = ledger.price("dns.zone", undefined, `DNS zone ${zone.name}`);
    if (rate !== undefined) ledger.add(`Cloud DNS zone ${zone.name}`, `$${rate}/month`, rate);
  }
}

/** Plain VMs (the load generator): the machine and its boot disk. */
export function instances(ledger: Ledger) {
  for (const vm of ledger.count(/^gcp:compute\/instance:/)) {
    const [type, region, what] = [
      String(vm.inputs.machineType),
      regionOf({ location: vm.inputs.zone }),
      `VM ${vm.name}`,
    ];
    const hourly = machineHourly(
      ledger,
      type,
      region,
      Boolean(vm.inputs.scheduling?.provisioningModel === "SPOT"),
      what,
    );
    const params = vm.inputs.bootDisk?.initializeParams ?? {};
    const [diskGb, diskType] = [params.size ?? 10, params.type ?? "pd-standard"];
    const disk = ledger.price(`disk.${diskType}`, region, what);
    if (hourly === undefined || disk === undefined) continue;
    ledger.add(
      `VM ${vm.name} ${type}`,
      `$${hourly.toFixed(6)}/h × ${ledger.hours} h + ${diskGb} GB ${diskType}`,
      hourly * ledger.hours + diskGb * disk,
    );
  }
}
