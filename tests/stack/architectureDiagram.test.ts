/**
 * docs/architecture.md's diagram of the minikube stack against the shared synthesized run: it is
 * what scripts/architectureDiagram.ts draws from that run, and every object and Secret key it
 * names, read back from the page itself, is in the rendered stack.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { DIAGRAM_END, DIAGRAM_START, stackDiagram } from "../../scripts/architectureDiagram";
import { manifests } from "../../synth/render";
import { ROOT } from "../../synth/stackFiles";
import { programRun } from "./runs";

const page = () => fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
const block = () => {
  const text = page();
  return text.slice(text.indexOf(DIAGRAM_START), text.indexOf(DIAGRAM_END) + DIAGRAM_END.length);
};
const htmlUnescape = (text: string) =>
  text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The page's nodes as it labels them: kind, name pattern, and what follows the colon. */
function pageNodes(): { kind: string; name: string; detail: string }[] {
  return [...block().matchAll(/^\s+o\d+\[\(?"([^"]+)"\)?\]$/gm)].map((match) => {
    const [head, detail = ""] = htmlUnescape(match[1]!).split(": ");
    const [kind, ...name] = head!.replace(/^docker-build /, "").split(" ");
    return { kind: kind!, name: name.join(" "), detail };
  });
}

/** A diagram name as a pattern: `-*` any auto-name suffix, `<hash of image>` a Job's hash. */
const namePattern = (name: string) => {
  const escaped = name.replace(/[.*+?^${}()|[\]\\<>]/g, "\\$&");
  return new RegExp(
    `^${escaped.replace("\\<hash of image\\>", "[0-9a-f]{12}").replace(/-\\\*$/, "-[0-9a-z]+")}$`,
  );
};

describe("the architecture page's minikube diagram", () => {
  const run = () => programRun("minikube");

  it("is the one drawn from the synthesized stack (npm run docs)", () => {
    expect(block()).toBe(stackDiagram(run()));
  });

  it("names only objects the synthesized stack has, with their Secrets' keys", () => {
    const rendered = manifests(run());
    const nodes = pageNodes();
    expect(nodes.length).toBeGreaterThan(10);
    for (const node of nodes) {
      if (node.kind === "Image") {
        const tags = run()
          .resources.filter((r) => r.type === "docker-build:index:Image")
          .flatMap((r) => r.inputs.tags as string[]);
        expect(
          tags.some((tag) => tag.startsWith(node.name.replace("<content hash>", ""))),
          node.name,
        ).toBe(true);
        continue;
      }
      const found = rendered.filter(
        (m) => m.kind === node.kind && namePattern(node.name).test(m.metadata.name),
      );
      expect(found, `${node.kind} ${node.name}`).toHaveLength(1);
      if (node.kind === "Secret")
        expect(node.detail.split(", ").sort()).toEqual(
          Object.keys(found[0]!.stringData ?? found[0]!.data).sort(),
        );
    }
  });

  it("shows Redis's data claim and every key of the app's Secret", () => {
    const nodes = pageNodes();
    expect(nodes.filter((n) => n.kind === "PersistentVolumeClaim").map((n) => n.name)).toEqual(
      expect.arrayContaining(["postgres-data", "redis-data-*"]),
    );
    const appSecret = nodes.find((n) => n.kind === "Secret" && n.name.startsWith("django-secrets"))!;
    expect(appSecret.detail.split(", ")).toHaveLength(5);
  });
});
