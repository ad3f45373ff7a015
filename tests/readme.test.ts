import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SKIP_REASONS } from "../components/k8s/scannerSkips";
import { projectConfigSchema } from "../stacks/config";
import { ROOT } from "../synth/harness";

describe("README", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

  it("opens with the main job and the test command", () => {
    const firstBlock = readme.split("```bash")[1]!.split("```")[0]!;
    expect(firstBlock).toContain("bash scripts/minikube-up.sh");
    expect(firstBlock).toContain("bash scripts/test-all.sh");
    expect(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8")).toContain("scripts/test-all.sh");
  });

  it("lists every skipped scanner check", () => {
    for (const check of Object.keys(SKIP_REASONS))
      expect(readme, check).toMatch(new RegExp(`^\\| ${check} `, "m"));
  });

  it("documents every config key with its type and default", () => {
    for (const [key, entry] of Object.entries(projectConfigSchema())) {
      expect(readme, key).toContain(`| \`${key}\` | ${entry.type} | \`${JSON.stringify(entry.default)}\` |`);
    }
  });
});
