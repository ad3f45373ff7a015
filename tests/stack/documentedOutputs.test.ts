/**
 * The README names every output each stack exports, so a new output cannot go unmentioned, and
 * says how Flower is reached on each platform as the outputs do.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../synth/stackFiles";
import { programRun } from "./runs";

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
/** The README's "Stack outputs" list, one bullet per platform. */
const outputsSection = readme.slice(readme.indexOf("Stack outputs ("), readme.indexOf("## Where to go next"));

describe.each([
  ["minikube", "- minikube:"],
  ["dev", "- GCP:"],
  ["prod", "- GCP:"],
])("%s stack", (stack, bullet) => {
  it("has every output named in the README's list for its platform", () => {
    const start = outputsSection.indexOf(bullet);
    expect(start, bullet).toBeGreaterThanOrEqual(0);
    const line = outputsSection.slice(start).split(/\n(?=- )/)[0]!;
    const names = (text: string) => [...text.matchAll(/`(\w+)`/g)].map(([, name]) => name ?? "");
    const documented = names(line);
    // What every parent exports for its previews, listed once for both platforms.
    const forPreviews = outputsSection
      .slice(outputsSection.indexOf("- both, for previews:"))
      .split("a preview:")[0]!;
    const exported = Object.keys(programRun(stack).outputs);
    expect(names(forPreviews).length).toBe(7);
    expect(
      exported.filter((name) => !documented.includes(name) && !names(forPreviews).includes(name)),
    ).toEqual([]);
    expect(documented.filter((name) => !exported.includes(name) && name !== "POST")).toEqual([]);
  });
});

describe("README on Flower", () => {
  const bullet = readme
    .slice(readme.indexOf("**Flower**"))
    .split(/\n(?=- )/)[0]!
    .replace(/\s+/g, " ");

  it("gives minikube's NodePort command and GCP's port-forward, each with its output", () => {
    const minikube = programRun("minikube").outputs;
    const dev = programRun("dev").outputs;
    expect(minikube.flowerNodePort).toBeDefined();
    expect(bullet).toContain(`on minikube a NodePort, whose address \`${minikube.flowerUrlCommand!.value}\``);
    expect(bullet).toContain("(the `flowerUrlCommand` output)");
    expect(String(dev.flowerAccess!.value)).toMatch(/^kubectl -n \S+ port-forward svc\/flower /);
    expect(bullet).toContain(
      "on GCP inside the cluster only, reached with `kubectl port-forward` (the `flowerAccess` output)",
    );
  });
});
