/** The README and docs/: the front door's promises, links that resolve, generated pages that are current. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SKIP_REASONS } from "../../components/k8s/specs/scannerSkips";
import { componentTokens, generatedDocs } from "../../scripts/docs";
import { ROOT } from "../../synth/stackFiles";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const readme = read("README.md");
const docPages = fs
  .readdirSync(path.join(ROOT, "docs"))
  .filter((file) => file.endsWith(".md"))
  .map((file) => `docs/${file}`);

/** Markdown without its fenced code blocks: links and headings only count outside them. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const anchorsOf = (file: string) =>
  new Set([...prose(read(file)).matchAll(/^#+ (.+)$/gm)].map((match) => slug(match[1]!)));

describe("README", () => {
  it("opens with the main job and the test command", () => {
    const firstBlock = readme.split("```bash")[1]!.split("```")[0]!;
    expect(firstBlock).toContain("bash scripts/minikube-up.sh");
    expect(firstBlock).toContain("bash scripts/test-all.sh");
    expect(read(".ci/run")).toContain("scripts/test-all.sh");
  });

  it("stays a front door: short, and linking every page of docs/", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(150);
    for (const page of docPages) expect(readme, page).toContain(`](${page})`);
  });
});

describe("docs", () => {
  it("has every relative link and anchor resolving, in the README and every page", () => {
    const broken: string[] = [];
    for (const file of ["README.md", ...docPages]) {
      for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [relative, anchor] = target!.split("#");
        const resolved = relative ? path.normalize(path.join(path.dirname(file), relative)) : file;
        if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${file}: ${target} (no ${resolved})`);
        else if (anchor && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor))
          broken.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("names only repository paths that exist", () => {
    const missing: string[] = [];
    for (const file of ["README.md", ...docPages]) {
      for (const [, mentioned] of read(file).matchAll(
        /`((?:app|components|stacks|scripts|tests|synth|policy|bootstrap|lib|containers|docs|\.github|\.ci)\/[\w./-]*)`/g,
      )) {
        if (!fs.existsSync(path.join(ROOT, mentioned!))) missing.push(`${file}: ${mentioned}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("lists every skipped scanner check with its reason on the security page", () => {
    const security = read("docs/security.md");
    for (const check of Object.keys(SKIP_REASONS))
      expect(security, check).toMatch(new RegExp(`^\\| ${check} `, "m"));
  });

  it("has the configuration reference and the code map as generated from their sources (npm run docs)", () => {
    for (const [file, content] of Object.entries(generatedDocs())) expect(read(file), file).toBe(content);
    const tokens = componentTokens().map((entry) => entry.token);
    expect(tokens).toContain("django-k8s:k8s:DjangoApp");
    expect(tokens).toContain("django-k8s:gcp:GkeCluster");
  });
});
