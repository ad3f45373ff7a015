/** scripts/preview.ts without the engine: its arguments, which program it runs, a parent's settings. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parentSettings, parseInvocation, selectProgram } from "../../scripts/preview";

describe("arguments", () => {
  it("reads up with its parent and config", () => {
    const invocation = parseInvocation([
      "up",
      "--pr",
      "12",
      "--parent",
      "minikube",
      "--config",
      "kubeContext=django-k8s-local",
      "--config",
      "other:key=a=b",
    ]);
    expect(invocation).toMatchObject({
      command: "up",
      pr: 12,
      parent: "minikube",
      config: { kubeContext: "django-k8s-local", "other:key": "a=b" },
    });
  });

  it("reads sweep's open pull requests and time", () => {
    const invocation = parseInvocation(["sweep", "--open-prs", "3,4", "--now", "2026-12-09T00:00:00Z"]);
    expect([...invocation.openPrs!]).toEqual([3, 4]);
    expect(invocation.now).toEqual(new Date("2026-12-09T00:00:00Z"));
    expect(parseInvocation(["sweep"]).openPrs).toBeUndefined();
    // What the cleanup workflow passes when no pull request is open: every preview is closed.
    expect(parseInvocation(["sweep", "--open-prs", ""]).openPrs).toEqual(new Set());
  });

  it.each([
    [["deploy"], /command: got "deploy"; expected one of up, destroy, sweep, list/],
    [["up", "--pr", "3"], /up needs --parent/],
    [["destroy"], /destroy needs --pr/],
    [["destroy", "--pr", "0"], /--pr: got "0"; expected a positive whole number/],
    [["sweep", "--now", "tomorrow"], /--now: got "tomorrow"; expected an ISO time/],
    [["sweep", "--open-prs", "1;2"], /--open-prs: got "1;2"/],
    [["up", "--pr", "3", "--parent", "dev", "--config", "noequals"], /--config: got "noequals"/],
    [["list", "--bogus"], /Unknown option '--bogus'/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseInvocation(argv)).toThrow(message);
  });
});

describe("the program", () => {
  const root = (pulumiYaml: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-root-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
    return dir;
  };

  it("is the repository's once its Pulumi.yaml declares previewParent, else the stand-in", () => {
    const withPreviews = root("name: django-k8s\nconfig:\n  previewParent:\n    type: string\n");
    const without = root("name: django-k8s\nconfig:\n  image:\n    type: string\n");
    expect(selectProgram({}, withPreviews)).toMatchObject({ kind: "repo", dir: withPreviews });
    expect(selectProgram({}, without)).toMatchObject({
      kind: "standin",
      programFile: path.join(without, "cluster", "preview-standin", "index.ts"),
    });
    expect(selectProgram({ PREVIEW_PROGRAM: "repo" }, without).kind).toBe("repo");
    expect(() => selectProgram({ PREVIEW_PROGRAM: "mine" }, without)).toThrow(
      'PREVIEW_PROGRAM: got "mine"; expected repo or standin',
    );
  });

  it("has a stand-in that declares the preview keys and names itself a stand-in", () => {
    const standin = selectProgram({ PREVIEW_PROGRAM: "standin" });
    const text = fs.readFileSync(path.join(standin.dir, "Pulumi.yaml"), "utf8");
    expect(text).toMatch(/STAND-IN/);
    expect(parentSettings(standin.dir, undefined)).toEqual({ ttlHours: 72, max: 5 });
  });
});

describe("a parent's settings", () => {
  const workDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-work-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: django-k8s\nconfig:\n  previewTtlHours:\n    type: integer\n    default: 48\n",
    );
    return dir;
  };

  it("come from the parent's stack file, else Pulumi.yaml's default, else the fallback", () => {
    const dir = workDir();
    fs.writeFileSync(path.join(dir, "Pulumi.minikube.yaml"), "config:\n  django-k8s:previewMax: 2\n");
    expect(parentSettings(dir, "minikube")).toEqual({ ttlHours: 48, max: 2 });
    expect(parentSettings(dir, "dev")).toEqual({ ttlHours: 48, max: 5 });
  });

  it("name the file and key of a bad value", () => {
    const dir = workDir();
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), 'config:\n  django-k8s:previewTtlHours: "soon"\n');
    expect(() => parentSettings(dir, "dev")).toThrow(
      'Pulumi.dev.yaml django-k8s:previewTtlHours: got "soon"; expected a positive whole number',
    );
  });
});
