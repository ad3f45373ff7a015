/**
 * Supply chain in the repository's own files: CI's PostgreSQL service pinned by digest, Dependabot
 * watching every ecosystem the project uses, and zizmor run from a hash-pinned release with each
 * of its skips justified on its line.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../synth/stackFiles";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
/**
 * scripts/scan.sh run in a copy of the checkout with stand-ins for its tools (the scan venv's
 * python, checkov, kubernetes-validate and zizmor, and npx for the renders), each recording how
 * it was called; zizmor answers with `zizmorStatus`.
 */
function runScan({ zizmorStatus }: { zizmorStatus: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scan-"));
  fs.mkdirSync(path.join(dir, "scripts"));
  fs.copyFileSync(path.join(ROOT, "scripts", "scan.sh"), path.join(dir, "scripts", "scan.sh"));
  fs.writeFileSync(path.join(dir, "Pulumi.minikube.yaml"), "");
  const log = path.join(dir, "calls.log");
  const tool = (file: string, script: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/bash\necho "$(basename "$0") $*" >> ${JSON.stringify(log)}\n${script}\n`, {
      mode: 0o755,
    });
  };
  for (const name of ["python", "checkov", "kubernetes-validate"])
    tool(path.join(dir, ".venv-scan", "bin", name), "");
  tool(path.join(dir, ".venv-scan", "bin", "zizmor"), `exit ${zizmorStatus}`);
  // The renders: `npx --no-install tsx scripts/synth.ts --stack <s> --out <dir> ...` writes one manifest.
  tool(
    path.join(dir, "bin", "npx"),
    'while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done; mkdir -p "$out/manifests" && touch "$out/manifests/x.yaml"',
  );
  const result = spawnSync("bash", [path.join(dir, "scripts", "scan.sh")], {
    env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}` },
    encoding: "utf8",
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: result.status, output: result.stdout + result.stderr, calls };
}

describe("supply chain", () => {
  it("has Dependabot watch npm, the app's pip locks, GitHub Actions and the base image", () => {
    const config = parse(read(".github/dependabot.yml"));
    const watched = config.updates.flatMap(
      (u: { "package-ecosystem": string; directory?: string; directories?: string[] }) =>
        (u.directories ?? [u.directory]).map((dir) => `${u["package-ecosystem"]} ${dir}`),
    );
    expect(watched).toEqual(
      expect.arrayContaining([
        "npm /",
        "pip /app",
        "github-actions /",
        "github-actions /.github/actions/pulumi-on-gcp",
        "docker /app",
      ]),
    );
    for (const update of config.updates) expect(update.cooldown?.["default-days"]).toBeGreaterThan(0);
  });

  it("runs zizmor from its own PyPI release, installed only with matching hashes", () => {
    const pins = read("scanner-requirements/zizmor-requirements.txt");
    expect(pins).toMatch(/^zizmor==\d+\.\d+\.\d+ \\$/m);
    expect(pins.match(/--hash=sha256:[a-f0-9]{64}/g)?.length).toBeGreaterThan(0);
  });

  it("has scripts/scan.sh install zizmor only with hashes, run it offline over .github, and fail on its findings", () => {
    const clean = runScan({ zizmorStatus: 0 });
    expect(clean.status, clean.output).toBe(0);
    const pipInstalls = clean.calls.filter((call) => call.startsWith("python -m pip install"));
    const zizmorInstall = pipInstalls.find((call) => call.includes("zizmor-requirements.txt"));
    expect(zizmorInstall).toMatch(/--require-hashes -r scanner-requirements\/zizmor-requirements\.txt$/);
    // Every requirements file the script installs from is the repository's own.
    for (const call of pipInstalls)
      expect(fs.existsSync(path.join(ROOT, /-r (\S+)$/.exec(call)![1]!)), call).toBe(true);
    expect(clean.calls).toContain("zizmor --offline --quiet .github");
    expect(runScan({ zizmorStatus: 1 }).status).not.toBe(0);
  });

  it("has scripts/scan.sh render the Helm charts of every render before checkov reads the manifests", () => {
    const { calls, output, status } = runScan({ zizmorStatus: 0 });
    expect(status, output).toBe(0);
    const charts = calls.findIndex((call) => call.startsWith("npx --no-install tsx scripts/renderCharts.ts"));
    expect(charts, calls.join("\n")).toBeGreaterThanOrEqual(0);
    // The stand-in checkout has one stack file: its render and the two extras renders.
    for (const render of ["minikube", "minikube-extras", "prod-extras"])
      expect(calls[charts]).toContain(`--out out/scan/${render}`);
    expect(calls.findIndex((call) => call.startsWith("checkov -d out/scan/"))).toBeGreaterThan(charts);
  });

  it("justifies every zizmor skip on its own line", () => {
    const dir = path.join(ROOT, ".github", "workflows");
    const skips = fs
      .readdirSync(dir)
      .flatMap((file) => fs.readFileSync(path.join(dir, file), "utf8").split("\n"))
      .filter((line) => line.includes("zizmor: ignore["));
    expect(skips.length).toBeGreaterThan(0);
    for (const line of skips) expect(line, line).toMatch(/zizmor: ignore\[[\w-]+\] \S.{20,}/);
  });
});
