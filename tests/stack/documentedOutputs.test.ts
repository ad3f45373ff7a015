/** The README names every output each stack exports, so a new output cannot go unmentioned. */
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
    const documented = [...line.matchAll(/`(\w+)`/g)].map((m) => m[1]);
    const exported = Object.keys(programRun(stack).outputs);
    expect(exported.filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !exported.includes(name) && name !== "POST")).toEqual([]);
  });
});
