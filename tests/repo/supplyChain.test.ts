/**
 * Supply chain in the repository's own files: CI's PostgreSQL service pinned by digest, Dependabot
 * watching every ecosystem the project uses, and zizmor run from a hash-pinned release with each
 * of its skips justified on its line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../synth/stackFiles";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const DIGEST = /^[^@\s]+:[\w.-]+@sha256:[a-f0-9]{64}$/;

describe("supply chain", () => {
  it("pins the test workflow's PostgreSQL service by digest, release readable beside it", () => {
    const workflow = parse(read(".github/workflows/test.yml"));
    const image: string = workflow.jobs.test.services.postgres.image;
    expect(image).toMatch(DIGEST);
    // The same build the minikube stack runs.
    const defaults = parse(read("Pulumi.yaml")).config;
    expect(image).toBe(defaults.postgresImage.default);
  });

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
    const scan = read("scripts/scan.sh");
    expect(scan).toMatch(/--require-hashes \\\n\s+-r scanner-requirements\/zizmor-requirements\.txt/);
    expect(scan).toContain(".venv-scan/bin/zizmor --offline --quiet .github || status=1");
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
