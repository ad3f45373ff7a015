/** Small facts of the docs pages that drifted once: layout, and lists that must match the code. */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../synth/stackFiles";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const pages = [
  "README.md",
  ...fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
];

describe("docs pages", () => {
  it("have no heading followed by two blank lines", () => {
    const found = pages.flatMap((file) => {
      const lines = read(file).split("\n");
      let inCode = false;
      return lines.flatMap((line, i) => {
        if (line.startsWith("```")) inCode = !inCode;
        const doubled = !inCode && /^#+ /.test(line) && lines[i + 1] === "" && lines[i + 2] === "";
        return doubled ? [`${file}:${i + 1}: ${line}`] : [];
      });
    });
    expect(found).toEqual([]);
  });

  it("list every field of resources.json in the development page", () => {
    // The fields resources.json holds (synth/render.ts, ResourceEntry; synthCli.test.ts checks the file).
    const fields = ["urn", "type", "name", "parent", "provider", "dependencies", "protect", "inputs"];
    const development = read("docs/development.md");
    const item = development.slice(development.indexOf("- `resources.json`:")).split(/\n(?=- )/)[0]!;
    for (const field of fields) expect(item, field).toContain(`\`${field}\``);
  });

  it("restore web and the worker to the stack's replica counts, not a number of their own", () => {
    const operations = read("docs/operations.md");
    expect(operations).not.toMatch(/scale deploy [^\n]*--replicas=[1-9]/);
    expect(operations).toContain("config get django-k8s:webReplicas");
    expect(operations).toContain("config get django-k8s:workerReplicas");
  });

  it("introduce dev mode's read-only mount where manage.py in the cluster is described", () => {
    const operations = read("docs/operations.md");
    const section = operations.slice(operations.indexOf("## `manage.py` in the cluster")).split("\n## ")[0]!;
    expect(section).toMatch(
      /In dev mode \(`scripts\/dev-loop.sh`[^)]*\)\) the pods run your `app\/` from\na read-only mount/,
    );
  });
});
