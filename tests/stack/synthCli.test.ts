/**
 * `npm run synth` as a user runs it: a child process, files on disk, exit codes. Every
 * invocation starts at once in beforeAll (each is its own process, writing its own directory),
 * so the file takes as long as the slowest, not the sum.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ROOT } from "../../synth/stackFiles";

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `tsx scripts/synth.ts <args>`, with tsx as a loader in one node process (tsx's bin adds a second). */
function synthCli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/synth.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Arguments, and the first line of what synth answers: the whole line, or its start (a RegExp). */
const BAD_ARGUMENTS: [string[], string | RegExp][] = [
  [
    ["--stack", "nosuch"],
    'synth: no stack "nosuch": there is no Pulumi.nosuch.yaml (stacks: dev, minikube, prod)',
  ],
  [
    ["--stack", "minikub"],
    'synth: no stack "minikub": there is no Pulumi.minikub.yaml; did you mean minikube? (stacks: dev, minikube, prod)',
  ],
  [["--stak", "dev"], /^synth: Unknown option '--stak'/],
  [[], "synth: --stack is required (stacks: dev, minikube, prod)"],
  [
    ["--stack", "dev", "--config", "webReplicas"],
    "synth: --config webReplicas: expected [django-k8s:]<key>=<value>",
  ],
  // As `pulumi config set` takes it, with a space.
  [
    ["--stack", "dev", "--config", "django-k8s:webReplicas", "3"],
    "synth: --config django-k8s:webReplicas 3: synth takes one <key>=<value> argument per --config, as in --config django-k8s:webReplicas=3",
  ],
  [["--stack", "dev", "extra"], "synth: unexpected argument 'extra'"],
];

describe("npm run synth", () => {
  const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const out = tmp("synth-cli-");
  const badOut = tmp("synth-bad-");
  let result: CliResult;
  let bad: CliResult;
  let help: CliResult;
  let badArguments: CliResult[];
  beforeAll(async () => {
    [result, bad, help, ...badArguments] = await Promise.all([
      // One override written in full, one bare as `pulumi config set` takes it.
      synthCli(
        "--stack",
        "minikube",
        "--out",
        out,
        "--config",
        "django-k8s:webReplicas=3",
        "--config",
        "workerReplicas=2",
      ),
      synthCli("--stack", "minikube", "--out", badOut, "--config", "django-k8s:workerReplicas=-1"),
      synthCli("--help"),
      ...BAD_ARGUMENTS.map(([args]) => synthCli(...args)),
    ]);
  });

  it("writes resources.json, manifests and the graph, and prints a summary", () => {
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^stack minikube: \d+ resources: \d+ Kubernetes objects, \d+ other resources, \d+ components$/m,
    );
    expect(result.stdout).toContain("flowerPassword     [secret]");
    expect(result.stdout).toMatch(/estimated first pulumi up: [\d.]+ min \(longest chain\)/);
    const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
    for (const entry of resources) {
      expect(Object.keys(entry).sort()).toEqual([
        "dependencies",
        "inputs",
        "name",
        "parent",
        "protect",
        "provider",
        "type",
        "urn",
      ]);
    }
    expect(fs.readFileSync(path.join(out, "graph.mmd"), "utf8")).toMatch(/^flowchart LR\n/);
    expect(fs.readFileSync(path.join(out, "summary.md"), "utf8")).toMatch(
      /^# Offline preview of stack minikube\n\n\d+ resources: \d+ Kubernetes objects, /,
    );
  });

  it("holds every object the minikube stack needs", () => {
    const files = fs.readdirSync(path.join(out, "manifests"));
    const kinds = files
      .map((f) => parseYaml(fs.readFileSync(path.join(out, "manifests", f), "utf8")))
      .map((m) => `${m.kind}/${m.metadata.name}`);
    for (const expected of [
      "PersistentVolume/django-postgres-data",
      "PersistentVolumeClaim/postgres-data",
      "Secret/postgres-credentials",
      "StatefulSet/postgres",
      "Service/postgres",
      "Deployment/redis",
      "Service/redis",
      "Deployment/web",
      "Service/web",
      "Deployment/celery-worker",
      "Deployment/celery-beat",
      "Deployment/flower",
      "Service/flower",
    ]) {
      expect(kinds).toContain(expected);
    }
    expect(kinds.some((k) => /^Job\/migrate-[0-9a-f]{12}$/.test(k))).toBe(true);
  });

  it("applies --config overrides", () => {
    const hpa = parseYaml(
      fs.readFileSync(path.join(out, "manifests", "django.horizontalpodautoscaler.web.yaml"), "utf8"),
    );
    expect(hpa.spec.minReplicas).toBe(3);
  });

  it("exits non-zero naming the key on bad config, writing nothing", () => {
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('django-k8s:workerReplicas: got "-1"; expected a whole number from 1 to 50');
    expect(fs.readdirSync(badOut)).toEqual([]);
  });

  it("reads a key without a namespace as the project's own, as the CLI does", () => {
    const hpa = parseYaml(
      fs.readFileSync(
        path.join(out, "manifests", "django.horizontalpodautoscaler.celery-worker.yaml"),
        "utf8",
      ),
    );
    expect(hpa.spec.minReplicas).toBe(2);
  });

  it("marks the outputs only the mocks decide, and no others", () => {
    expect(result.stdout).toMatch(/^ {2}webNodePort +\d+ {2}\[mock\]$/m);
    expect(result.stdout).toMatch(/^ {2}flowerUser +"admin"$/m);
    expect(result.stdout).toMatch(/^ {2}image +"django-k8s-app:[0-9a-f]+"$/m);
  });

  it("answers --help with the usage, and bad arguments with one line and the usage", () => {
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run synth -- --stack <name>/);
    BAD_ARGUMENTS.forEach(([args, message], i) => {
      const bad = badArguments[i]!;
      expect(bad.status, args.join(" ")).toBe(2);
      const first = bad.stderr.split("\n")[0];
      if (typeof message === "string") expect(first).toBe(message);
      else expect(first).toMatch(message);
      expect(bad.stderr, "no stack trace").not.toMatch(/^\s+at /m);
    });
  });

  it("says what it is doing before the first resource", () => {
    expect(result.stderr).toContain("stack minikube: running the program under mocks");
  });
});
