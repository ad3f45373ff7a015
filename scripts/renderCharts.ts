/**
 * Renders the Helm charts of synthesized renders for the scanners (scripts/scan.sh):
 *
 *   npx tsx scripts/renderCharts.ts --out <render dir> [--out <render dir> ...] [--kube-version <v>]
 *
 * For each render that has a Helm Release, `helm template` with the Release's recorded chart,
 * name, namespace and values writes every object of the chart into <render dir>/manifests as
 * helm.*.yaml (synth/charts.ts). helm is $HELM, or built by cluster/tools.sh from its Go module.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { renderChartsInto } from "../synth/charts";

const { values } = parseArgs({
  options: {
    out: { type: "string", multiple: true, default: [] },
    "kube-version": { type: "string", default: process.env.KUBERNETES_VERSION ?? "1.33.0" },
  },
});
for (const dir of values.out ?? []) {
  const files = renderChartsInto(path.resolve(dir), values["kube-version"]!);
  if (files.length > 0) console.log(`${dir}: ${files.length} objects rendered from Helm charts`);
}
