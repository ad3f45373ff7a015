/**
 * The preview workflows (.github/workflows/preview.yml, preview-cleanup.yml): their inputs, who
 * they act as, their concurrency, pins and schedule; and their shell steps run for real with
 * stand-ins for npm and gh on PATH, so what they write and when they fail is what a run does.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "../../synth/stackFiles";

type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  name?: string;
  id?: string;
  if?: string;
  env?: Record<string, string>;
};
type Job = {
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  env?: Record<string, string>;
  steps: Step[];
};
type Workflow = { on: Record<string, any>; permissions: unknown; jobs: Record<string, Job> };

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => parse(read(file)) as Workflow;
const expression = (inner: string) => `\${{ ${inner} }}`;
const stepNamed = (job: Job, name: string) => {
  const found = job.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}"`);
  return found;
};
const setupStep = (job: Job) => job.steps.find((s) => s.uses === "./.github/actions/pulumi-on-gcp")!;

/** Runs a step's script as GitHub does (bash -e -o pipefail) in a fresh folder, with fake commands. */
function runStep(script: string, env: Record<string, string>, fakes: Record<string, string> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preview-step-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  for (const [name, body] of Object.entries(fakes)) {
    fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  }
  const output = path.join(dir, "github-output");
  fs.writeFileSync(output, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script], {
    cwd: dir,
    env: { PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output, ...env },
    encoding: "utf8",
  });
  const file = (name: string) =>
    fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), "utf8") : undefined;
  return { ...result, dir, file, output: fs.readFileSync(output, "utf8") };
}

describe("preview.yml", () => {
  const wf = () => workflow("preview.yml");

  it("is called with the pull request's number, head commit and whether it is a fork", () => {
    expect(Object.keys(wf().on)).toEqual(["workflow_call"]);
    const inputs = wf().on.workflow_call.inputs;
    expect(
      Object.fromEntries(Object.entries(inputs).map(([k, v]: [string, any]) => [k, [v.type, v.required]])),
    ).toEqual({
      pr: ["number", true],
      "head-sha": ["string", true],
      "is-fork": ["boolean", true],
    });
  });

  it("deploys only for a pull request of this repository, in the environment `preview`, as the preview deployer", () => {
    const { fork, deploy } = wf().jobs;
    expect(fork!.if).toBe("inputs.is-fork");
    expect(deploy!.if).toBe(expression("!inputs.is-fork"));
    expect(deploy!.environment).toBe("preview");
    expect(fork!.environment).toBeUndefined();
    expect(fork!.steps.some((s) => s.uses?.startsWith("./"))).toBe(false);
    expect(setupStep(deploy!).with!["service-account"]).toBe(
      expression("vars.GCP_PREVIEW_DEPLOYER_SERVICE_ACCOUNT"),
    );
    expect(deploy!.steps[0]!.with).toEqual({
      ref: expression("inputs.head-sha"),
      "persist-credentials": false,
    });
    expect(deploy!.env).toEqual({ PREVIEW_PARENT: "dev" });
  });

  it("queues runs of one pull request in its own group, never cancelling an update halfway", () => {
    expect(wf().jobs.deploy!.concurrency).toEqual({
      group: `preview-pr-${expression("inputs.pr")}`,
      "cancel-in-progress": false,
    });
  });

  it("asks for the least permissions: an OIDC token only where it deploys", () => {
    expect(wf().permissions).toEqual({});
    expect(wf().jobs.fork!.permissions).toEqual({ contents: "read" });
    expect(wf().jobs.deploy!.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("smoke-checks the url the deploy printed", () => {
    const deploy = wf().jobs.deploy!;
    const smoke = stepNamed(deploy, "Smoke check");
    expect(smoke.if).toBe("steps.up.outputs.url != ''");
    expect(smoke.env).toEqual({ APP_URL: expression("steps.up.outputs.url") });
    expect(smoke.run).toBe(
      'python3 scripts/smoke-check.py "$APP_URL" --timeout 600 --markdown "$GITHUB_STEP_SUMMARY"',
    );
  });

  it("uploads preview-result.json as the artifact preview-result from both jobs, whatever happened", () => {
    for (const job of Object.values(wf().jobs)) {
      const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
      expect(upload.with).toEqual({ name: "preview-result", path: "preview-result.json" });
    }
    expect(wf().jobs.deploy!.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!.if).toBe(
      "always()",
    );
    expect(stepNamed(wf().jobs.deploy!, "Write the result").if).toBe("always()");
  });

  it("writes a fork's result saying it gets no preview", () => {
    const run = runStep(stepNamed(wf().jobs.fork!, "Write the result").run!, { PR: "42" });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.file("preview-result.json")!)).toEqual({
      pr: 42,
      stack: "pr-42",
      url: null,
      smoke: "skipped",
      fork: true,
      reason:
        "pull requests from forks get no preview: their workflows get no credentials for this repository",
    });
  });

  describe("the deploy step", () => {
    const script = () => stepNamed(wf().jobs.deploy!, "Deploy the preview").run!;
    const npm = (status: number, result?: object) =>
      `echo "$*" > npm-args\n${result ? `echo '${JSON.stringify(result)}' > preview-up.json\n` : ""}exit ${status}`;
    const env = { PR: "12", PREVIEW_PARENT: "dev", IMAGE: "r.example/p/django-k8s/app@sha256:abc" };

    it("runs npm run preview up for the pull request against dev and hands its url to the smoke check", () => {
      const run = runStep(script(), env, {
        npm: npm(0, { pr: 12, stack: "pr-12", deployed: true, url: "https://pr-12.p.example" }),
      });
      expect(run.status).toBe(0);
      expect(run.file("npm-args")).toBe(
        "run --silent preview -- up --pr 12 --parent dev --config image=r.example/p/django-k8s/app@sha256:abc --result preview-up.json\n",
      );
      expect(run.output).toBe("url=https://pr-12.p.example\n");
    });

    it("passes when the cap refuses the preview (exit 3), with no url, so the result says why", () => {
      const run = runStep(script(), env, {
        npm: npm(3, { pr: 12, stack: "pr-12", deployed: false, reason: "refused" }),
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/::warning::no preview for #12: refused by previewMax/);
      expect(run.output).toBe("url=\n");
    });

    it("fails when the deploy fails", () => {
      expect(runStep(script(), env, { npm: npm(1) }).status).toBe(1);
    });
  });

  describe("the image", () => {
    const script = () => stepNamed(wf().jobs.deploy!, "Build and push the app image").run!;
    const env = { PR: "12", HEAD_SHA: "f00d", PREVIEW_PARENT: "dev" };
    const fakes = (parentImage: string) => ({
      pulumi: `echo "$*" >> calls; echo '${parentImage}'`,
      gcloud: 'echo "gcloud $*" >> calls',
      docker:
        'echo "docker $*" >> calls; for ref; do :; done; [ "$1" = inspect ] && echo "$ref@sha256:beef" | sed "s/:pr-12-f00d@/@/"; exit 0',
    });

    it.each([
      "europe-docker.pkg.dev/p/django-k8s/app@sha256:0123",
      "europe-docker.pkg.dev/p/django-k8s/app:v1",
      "europe-docker.pkg.dev/p/django-k8s/app",
    ])(
      "builds app/ into the parent's repository (its image output %s) and hands on the digest",
      (parentImage) => {
        const run = runStep(script(), env, fakes(parentImage));
        expect(run.status, run.stderr).toBe(0);
        const tag = "europe-docker.pkg.dev/p/django-k8s/app:pr-12-f00d";
        expect(run.file("calls")!.split("\n").filter(Boolean)).toEqual([
          "stack output image --stack dev",
          "gcloud auth configure-docker europe-docker.pkg.dev --quiet",
          `docker build --tag ${tag} app`,
          `docker push ${tag}`,
          `docker inspect --format {{index .RepoDigests 0}} ${tag}`,
        ]);
        expect(run.output).toBe("image=europe-docker.pkg.dev/p/django-k8s/app@sha256:beef\n");
      },
    );

    it("fails when the parent's image cannot be read", () => {
      const run = runStep(script(), env, { ...fakes(""), pulumi: "exit 1" });
      expect(run.status).toBe(1);
      expect(run.file("calls")).toBeUndefined();
    });
  });

  describe("the result", () => {
    const resultOf = (up: object | undefined, smoke: string) => {
      const script = stepNamed(wf().jobs.deploy!, "Write the result").run!;
      const prefix = up ? `echo '${JSON.stringify(up)}' > preview-up.json\n` : "";
      const run = runStep(prefix + script, { PR: "12", SMOKE: smoke });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.file("preview-result.json")!);
    };
    const deployed = { pr: 12, stack: "pr-12", deployed: true, url: "https://pr-12.p.example" };

    it.each([
      ["success", { smoke: "passed" }],
      ["failure", { smoke: "failed", reason: "the smoke check failed: see the job summary" }],
    ])("after a deploy and a smoke check that ended in %s", (outcome, expected) => {
      expect(resultOf(deployed, outcome)).toEqual({
        pr: 12,
        stack: "pr-12",
        url: "https://pr-12.p.example",
        ...expected,
      });
    });

    it("says why there is no preview when the cap refused it", () => {
      const refused = { pr: 12, stack: "pr-12", deployed: false, reason: "refused: 5 previews are running" };
      expect(resultOf(refused, "")).toEqual({
        pr: 12,
        stack: "pr-12",
        url: null,
        smoke: "skipped",
        reason: "refused: 5 previews are running",
      });
    });

    it("says the deploy failed when it wrote nothing", () => {
      expect(resultOf(undefined, "")).toEqual({
        pr: 12,
        stack: "pr-12",
        url: null,
        smoke: "skipped",
        reason: "the deploy failed: see the job log",
      });
    });
  });
});

describe("preview-cleanup.yml", () => {
  const wf = () => workflow("preview-cleanup.yml");

  it("runs when a pull request closes and every hour", () => {
    expect(Object.keys(wf().on).sort()).toEqual(["pull_request", "schedule"]);
    expect(wf().on.pull_request).toEqual({ types: ["closed"] });
    expect(wf().on.schedule).toHaveLength(1);
    const [minute, ...rest] = String(wf().on.schedule[0].cron).split(" ");
    expect(Number(minute)).toBeLessThan(60);
    expect(rest).toEqual(["*", "*", "*", "*"]);
  });

  it("destroys a closed pull request's preview in the same concurrency group as its deploy", () => {
    const destroy = wf().jobs.destroy!;
    expect(destroy.if).toBe("github.event_name == 'pull_request'");
    const deployGroup = workflow("preview.yml").jobs.deploy!.concurrency!.group;
    const number = (group: string) => group.replace(/\$\{\{ [^}]+ \}\}/, "<pr>");
    expect(number(destroy.concurrency!.group)).toBe(number(deployGroup));
    expect(destroy.concurrency!.group).toBe(`preview-pr-${expression("github.event.pull_request.number")}`);
    expect(destroy.concurrency!["cancel-in-progress"]).toBe(false);
    const step = stepNamed(destroy, "Destroy the preview");
    expect(step.env!.PR).toBe(expression("github.event.pull_request.number"));
    expect(step.run).toBe('npm run --silent preview -- destroy --pr "$PR"');
  });

  it("acts as the preview deployer in the environment `preview`, with the least permissions", () => {
    expect(wf().permissions).toEqual({});
    for (const job of Object.values(wf().jobs)) {
      expect(job.environment).toBe("preview");
      expect(setupStep(job).with!["service-account"]).toBe(
        expression("vars.GCP_PREVIEW_DEPLOYER_SERVICE_ACCOUNT"),
      );
    }
    expect(wf().jobs.destroy!.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(wf().jobs.sweep!.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "read",
    });
  });

  describe("the sweep", () => {
    const script = () => stepNamed(wf().jobs.sweep!, "Sweep expired and closed previews").run!;
    const npm = 'echo "$*" > npm-args';

    it("runs on the schedule with the open pull requests gh lists", () => {
      expect(wf().jobs.sweep!.if).toBe("github.event_name == 'schedule'");
      const run = runStep(
        script(),
        { GITHUB_REPOSITORY: "acme/django-k8s" },
        { gh: 'echo "$*" > gh-args; echo 3,5', npm },
      );
      expect(run.status).toBe(0);
      expect(run.file("gh-args")).toBe(
        'pr list --repo acme/django-k8s --state open --limit 1000 --json number --jq map(.number) | join(",")\n',
      );
      expect(run.file("npm-args")).toBe("run --silent preview -- sweep --open-prs 3,5\n");
    });

    it("passes an empty list when no pull request is open", () => {
      const run = runStep(script(), { GITHUB_REPOSITORY: "acme/django-k8s" }, { gh: "echo", npm });
      expect(run.file("npm-args")).toBe("run --silent preview -- sweep --open-prs \n");
    });

    it("destroys nothing when the list cannot be read", () => {
      const run = runStep(script(), { GITHUB_REPOSITORY: "acme/django-k8s" }, { gh: "exit 4", npm });
      expect(run.status).toBe(4);
      expect(run.file("npm-args")).toBeUndefined();
    });
  });
});

describe("both preview workflows", () => {
  const files = ["preview.yml", "preview-cleanup.yml"];
  /** action -> the commit every workflow pins it to */
  const pinsIn = (file: string) =>
    [...read(file).matchAll(/uses: ([\w.-]+\/[\w./-]+)@(\S+)( # v[\d.]+)?$/gm)].map((m) => ({
      action: m[1]!,
      ref: m[2]!,
      version: m[3],
    }));

  it("pin every action by commit, to the same commit the other workflows use", () => {
    const others = fs
      .readdirSync(WORKFLOWS)
      .filter((f) => !files.includes(f))
      .flatMap(pinsIn);
    for (const file of files)
      for (const pin of pinsIn(file)) {
        expect(pin.ref, `${file} ${pin.action}`).toMatch(/^[0-9a-f]{40}$/);
        expect(pin.version, `${file} ${pin.action}`).toMatch(/^ # v\d+\.\d+\.\d+$/);
        for (const other of others.filter((o) => o.action === pin.action))
          expect(other.ref, pin.action).toBe(pin.ref);
      }
  });

  it("install the Pulumi CLI the SDK asks for, and run nothing else through pulumi/actions", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies[
      "@pulumi/pulumi"
    ];
    for (const file of files)
      for (const job of Object.values(workflow(file).jobs))
        for (const step of job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")))
          expect(step.with, file).toEqual({ "pulumi-version": sdk });
  });
});
