/**
 * The objects a Helm Release installs, rendered for the scanners. Under mocks a Release is one
 * resource (the chart renders in the cluster), so the operator, RBAC, webhooks and images it
 * brings would be seen by no scanner; `helm template` renders them from the Release's recorded
 * inputs (chart, name, namespace, values), so what is scanned is what the Release installs.
 * scripts/renderCharts.ts writes them beside the render's own manifests as helm.*.yaml.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments, stringify as toYaml } from "yaml";
import { KEDA_CHART, KEDA_SCANNER_SKIPS, type ScannerSkip } from "../components/k8s/kedaChart";
import type { ResourceEntry } from "./render";
import { ROOT } from "./stackFiles";

export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

export interface ChartRelease {
  name: string;
  chart: string;
  namespace: string;
  values: Record<string, unknown>;
}

/** The checks skipped on a chart's objects, by chart path; a chart not listed has none. */
const CHART_SKIPS: Record<string, readonly ScannerSkip[]> = { [KEDA_CHART.path]: KEDA_SCANNER_SKIPS };

/**
 * Every Helm Release of a render (resources.json entries), as helm template needs it. A Release
 * without a `name` is installed under its resource name plus a random suffix that only the
 * engine picks; it is rendered under the resource name, which only the chart's
 * `app.kubernetes.io/instance` label shows (KEDA's chart names nothing else after the release).
 */
export function chartReleases(entries: readonly ResourceEntry[]): ChartRelease[] {
  return entries
    .filter((entry) => entry.type === RELEASE_TYPE)
    .map((entry) => {
      const inputs = entry.inputs as Record<string, unknown>;
      const { chart, namespace } = inputs;
      const name = inputs.name ?? entry.name;
      if (typeof name !== "string" || typeof chart !== "string" || typeof namespace !== "string")
        throw new Error(
          `Release ${entry.name}: chart and namespace must be set for helm template ` +
            `(got ${JSON.stringify({ name, chart, namespace })})`,
        );
      if (inputs.repositoryOpts !== undefined)
        throw new Error(
          `Release ${entry.name}: chart ${chart} comes from a repository; vendor it (vendor/charts)`,
        );
      return { name, chart, namespace, values: (inputs.values ?? {}) as Record<string, unknown> };
    });
}

/**
 * The bin dir's helm: $HELM when set, else the one cluster/tools.sh builds from its Go module
 * (cached after the first build on a machine).
 */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  const built = spawnSync("bash", [path.join(ROOT, "cluster", "tools.sh"), "helm"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const bin = built.stdout?.trim().split("\n").at(-1)?.split(" ")[2];
  if (built.status !== 0 || !bin) throw new Error(`bash cluster/tools.sh helm failed (exit ${built.status})`);
  return path.join(bin, "helm");
}

/** `helm template` of one release, as objects, with the chart's scanner skips annotated. */
export function renderRelease(
  release: ChartRelease,
  helm: string,
  kubeVersion: string,
): Record<string, any>[] {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "helm-"));
  try {
    const valuesFile = path.join(home, "values.json");
    fs.writeFileSync(valuesFile, JSON.stringify(release.values));
    // Helm's own state in a scratch folder: a render reads no repositories or plugins of the user.
    const env = { ...process.env, HELM_CACHE_HOME: home, HELM_CONFIG_HOME: home, HELM_DATA_HOME: home };
    const args = ["template", release.name, release.chart, "--namespace", release.namespace];
    args.push("--values", valuesFile, "--kube-version", kubeVersion, "--include-crds");
    const result = spawnSync(helm, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0)
      throw new Error(
        `helm ${args.join(" ")} failed (exit ${result.status}): ${result.stderr || result.error}`,
      );
    const objects = parseAllDocuments(result.stdout)
      .map((document) => document.toJS() as Record<string, any> | null)
      .filter((object): object is Record<string, any> => object !== null && typeof object === "object");
    return withScannerSkips(objects, CHART_SKIPS[release.chart] ?? []);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** `Kind/name` of an object, as the skip lists name it. */
export const objectId = (object: Record<string, any>) => `${object.kind}/${object.metadata?.name}`;

/** checkov reads `checkov.io/skip<N>: <check>=<reason>` annotations on the object it checks. */
export function withScannerSkips(
  objects: Record<string, any>[],
  skips: readonly ScannerSkip[],
): Record<string, any>[] {
  return objects.map((object) => {
    const mine = skips.filter((skip) => skip.objects.includes(objectId(object)));
    if (mine.length === 0) return object;
    const annotations = Object.fromEntries(
      mine.map((skip, i) => [`checkov.io/skip${i + 1}`, `${skip.check}=${skip.reason}`]),
    );
    const metadata = { ...object.metadata, annotations: { ...object.metadata?.annotations, ...annotations } };
    return { ...object, metadata };
  });
}

/** The file each rendered object is written to: helm.<release>.[<namespace>.]<kind>.<name>.yaml. */
export function chartManifestFileName(release: ChartRelease, object: Record<string, any>): string {
  const ns = object.metadata?.namespace ? `${object.metadata.namespace}.` : "";
  return `helm.${release.name}.${ns}${String(object.kind).toLowerCase()}.${object.metadata?.name}.yaml`;
}

/** Renders every Release of the render in `outDir` into its manifests folder; returns the files. */
export function renderChartsInto(outDir: string, kubeVersion: string, helm?: () => string): string[] {
  const entries = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as ResourceEntry[];
  const releases = chartReleases(entries);
  if (releases.length === 0) return [];
  const bin = (helm ?? helmBinary)();
  return releases.flatMap((release) =>
    renderRelease(release, bin, kubeVersion).map((object) => {
      const file = path.join(outDir, "manifests", chartManifestFileName(release, object));
      fs.writeFileSync(file, toYaml(object));
      return file;
    }),
  );
}
