/**
 * Safe deploys under mocks: the pre-migration backup Job and its narrow identity, the data that
 * cannot be removed in production (Pulumi's protect plus the providers' own guards) and stays
 * removable in development, and all of it following the environment, not the stack's name.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  BACKUP_COMMAND,
  BACKUP_ENV,
  BACKUP_PERMISSIONS,
  BACKUP_SERVICE_ACCOUNT,
} from "../../components/gcp/PreMigrationBackup";
import { WORKLOAD_IDENTITY_ANNOTATION } from "../../components/gcp/WorkloadIdentity";
import { IMAGE_OUTPUT } from "../../stacks/previousImage";
import type { ProgramRun, RecordedResource } from "../../synth/recording";
import { resourceEntries } from "../../synth/render";
import { ROOT } from "../../synth/stackFiles";
import { deployOutputsRead } from "../support/deployWorkflow";
import { DEV_AS_PRODUCTION } from "./configurations";
import { programRun } from "./runs";

const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const execFileAsync = promisify(execFile);

/**
 * A local stand-in for Google's token endpoint and the SQL Admin API: a service account key of
 * its own whose token_uri is the fake (the ADC source that honours it), every backup run it was
 * asked for, and each answered as done at once.
 */
async function fakeSqlAdmin() {
  const backups: { path: string; description: string }[] = [];
  const server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      response.setHeader("content-type", "application/json");
      if (request.url === "/token") {
        response.end(JSON.stringify({ access_token: "fake", expires_in: 3600, token_type: "Bearer" }));
        return;
      }
      if (request.method === "POST" && request.url?.endsWith("/backupRuns"))
        backups.push({ path: request.url, description: JSON.parse(body).description });
      response.end(JSON.stringify({ name: "operation-1", status: "DONE" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backup-"));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const credentials = path.join(dir, "credentials.json");
  fs.writeFileSync(
    credentials,
    JSON.stringify({
      type: "service_account",
      project_id: "fake",
      private_key_id: "fake",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: "backup@fake.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: `${url}/token`,
    }),
  );
  return { url, dir, credentials, backups, close: () => server.close() };
}

const T = {
  job: "kubernetes:batch/v1:Job",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  customRole: "gcp:projects/iAMCustomRole:IAMCustomRole",
  projectIam: "gcp:projects/iAMMember:IAMMember",
  gsa: "gcp:serviceaccount/account:Account",
  wiBinding: "gcp:serviceaccount/iAMMember:IAMMember",
  sql: "gcp:sql/databaseInstance:DatabaseInstance",
  database: "gcp:sql/database:Database",
  user: "gcp:sql/user:User",
  redis: "gcp:redis/instance:Instance",
  bucket: "gcp:storage/bucket:Bucket",
};
const STATEFUL = [T.sql, T.database, T.user, T.redis, T.bucket];

const label = (r: RecordedResource) =>
  (r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[
    "app.kubernetes.io/component"
  ];
const jobOf = (run: ProgramRun, component: string) =>
  run.resources.filter((r) => r.type === T.job && label(r) === component);
const one = (run: ProgramRun, type: string, where: (r: RecordedResource) => boolean = () => true) => {
  const found = run.resources.filter((r) => r.type === type && where(r));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
};
const props = (r: RecordedResource) => r.inputs as Record<string, any>;

const RUNS = {
  prod: () => programRun("prod"),
  dev: () => programRun("dev"),
  "dev as production": () => programRun("dev", DEV_AS_PRODUCTION),
};
const PRODUCTION = ["prod", "dev as production"] as const;

describe.each(PRODUCTION)("%s: a backup before each migration", (name) => {
  const run = () => RUNS[name]();

  it("runs the migration Job only after the backup Job", () => {
    const [backup] = jobOf(run(), "backup");
    const [migrate] = jobOf(run(), "migrate");
    expect(backup, "a backup Job").toBeDefined();
    expect(migrate!.dependencies).toContain(backup!.urn);
    // Named after the image, like the migration Job: a new image takes a new backup.
    expect((props(backup!).metadata.name as string).match(/^backup-[0-9a-f]{12}$/)).not.toBeNull();
    expect(props(backup!).spec.template.spec.containers[0].image).toBe(
      props(migrate!).spec.template.spec.containers[0].image,
    );
  });

  it("runs under a Kubernetes and a Google identity of its own that hold only the backup permissions", () => {
    const r = run();
    const [backup] = jobOf(r, "backup");
    const pod = props(backup!).spec.template.spec;
    expect(pod.serviceAccountName).toBe(BACKUP_SERVICE_ACCOUNT);
    expect(pod.containers[0].command).toEqual([...BACKUP_COMMAND]);
    const ksa = one(r, T.serviceAccount, (x) => props(x).metadata.name === BACKUP_SERVICE_ACCOUNT);
    const gsa = one(r, T.gsa, (x) => props(x).accountId === BACKUP_SERVICE_ACCOUNT);
    const email = (gsa.state as { email: string }).email;
    expect(props(ksa).metadata.annotations[WORKLOAD_IDENTITY_ANNOTATION]).toBe(email);
    // Workload Identity: exactly this namespace's backup ServiceAccount may act as it.
    const binding = one(r, T.wiBinding, (x) => props(x).serviceAccountId === (gsa.state as any).name);
    expect(props(binding).member).toMatch(new RegExp(`\\[django/${BACKUP_SERVICE_ACCOUNT}\\]$`));
    // Its one project grant is the custom role, which holds exactly the backup permissions.
    const grants = r.resources.filter(
      (x) => x.type === T.projectIam && props(x).member === `serviceAccount:${email}`,
    );
    const role = one(r, T.customRole);
    expect(grants.map((g) => props(g).role)).toEqual([(role.state as { name: string }).name]);
    expect(props(role).permissions).toEqual([...BACKUP_PERMISSIONS]);
    expect(BACKUP_PERMISSIONS).toEqual([
      "cloudsql.backupRuns.create",
      "cloudsql.backupRuns.get",
      "cloudsql.instances.get",
    ]);
    // The Job waits for that grant, not only for the binding.
    expect(backup!.dependencies).toContain(grants[0]!.urn);
  });

  it("tells the command which instance to back up, by the names the command reads", () => {
    const r = run();
    const env = Object.fromEntries(
      props(jobOf(r, "backup")[0]!).spec.template.spec.containers[0].env.map(
        (e: { name: string; value: string }) => [e.name, e.value],
      ),
    );
    expect(env[BACKUP_ENV.instance]).toBe(props(one(r, T.sql)).name ?? (one(r, T.sql).state as any).name);
    expect(env[BACKUP_ENV.project]).toBe(props(one(r, T.sql)).project);
  });

  it("runs the command with exactly the Job's environment: it backs up that instance, with that description", async () => {
    const container = props(jobOf(run(), "backup")[0]!).spec.template.spec.containers[0];
    const env: Record<string, string> = Object.fromEntries(
      container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(container.command).toEqual([...BACKUP_COMMAND]);
    const api = await fakeSqlAdmin();
    try {
      const [python, ...args] = container.command as string[];
      expect(python).toBe("python");
      await execFileAsync(PYTHON, [...args, "--api-url", api.url], {
        cwd: path.join(ROOT, "app"),
        env: {
          PATH: "/usr/bin:/bin",
          HOME: api.dir,
          GOOGLE_APPLICATION_CREDENTIALS: api.credentials,
          ...env,
        },
        timeout: 30_000,
      });
      expect(api.backups).toEqual([
        {
          path: `/v1/projects/${env[BACKUP_ENV.project]}/instances/${env[BACKUP_ENV.instance]}/backupRuns`,
          description: env[BACKUP_ENV.description],
        },
      ]);
    } finally {
      api.close();
    }
  });
});

describe("dev: no backup by default", () => {
  it("has no backup Job; the migration Job waits for none", () => {
    expect(jobOf(RUNS.dev(), "backup")).toEqual([]);
    expect(RUNS.dev().resources.filter((r) => r.type === T.customRole)).toEqual([]);
  });
});

describe.each(PRODUCTION)("%s: data that cannot be removed", (name) => {
  const run = () => RUNS[name]();

  it("protects the Cloud SQL instance, database and user, Memorystore and the static bucket", () => {
    const entries = resourceEntries(run());
    for (const type of STATEFUL) {
      const entry = entries.find((e) => e.type === type);
      expect(entry?.protect, `${type} is protected in resources.json`).toBe(true);
    }
  });

  it("sets the providers' own guards too, and keeps Memorystore's RDB snapshots", () => {
    const r = run();
    expect(props(one(r, T.sql)).deletionProtection).toBe(true);
    expect(props(one(r, T.sql)).settings.deletionProtectionEnabled).toBe(true);
    expect(props(one(r, T.database)).deletionPolicy).toBe("PREVENT");
    expect(props(one(r, T.user)).deletionPolicy).toBe("PREVENT");
    expect(props(one(r, T.redis)).deletionProtection).toBe(true);
    expect(props(one(r, T.redis)).persistenceConfig).toEqual({
      persistenceMode: "RDB",
      rdbSnapshotPeriod: "ONE_HOUR",
    });
    expect(props(one(r, T.bucket)).deletionPolicy).toBe("PREVENT");
    expect(props(one(r, T.bucket)).forceDestroy).toBe(false);
  });
});

describe("dev: data stays removable", () => {
  it("protects nothing stateful and sets no provider guard", () => {
    const r = RUNS.dev();
    for (const type of STATEFUL) expect(one(r, type).protect, type).toBe(false);
    expect(r.resources.filter((x) => x.protect)).toEqual([]);
    expect(props(one(r, T.sql)).deletionProtection).toBe(false);
    expect(props(one(r, T.database)).deletionPolicy).toBeUndefined();
    expect(props(one(r, T.user)).deletionPolicy).toBeUndefined();
    expect(props(one(r, T.redis)).deletionProtection).toBe(false);
    expect(props(one(r, T.redis)).persistenceConfig).toEqual({ persistenceMode: "DISABLED" });
    expect(props(one(r, T.bucket)).forceDestroy).toBe(true);
  });
});

describe("the image a rollback returns to", () => {
  it("is a stack output of every GCP stack, as the deploy workflow reads it before pulumi up", () => {
    for (const run of [RUNS.prod(), RUNS.dev()]) {
      expect(run.outputs[IMAGE_OUTPUT]?.value).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(run.outputs[IMAGE_OUTPUT]?.secret).toBe(false);
      // Read back from the stack's own last outputs; the mocks answer as on a first deploy.
      expect(run.outputs.previousImage).toEqual({ value: "", secret: false });
    }
  });

  it("is, with every other output the deploy workflow reads, an output of dev and prod", () => {
    const read = deployOutputsRead();
    expect(read).toEqual(expect.arrayContaining(["appUrl", "image", "previousImage"]));
    for (const run of [RUNS.prod(), RUNS.dev()])
      expect(Object.keys(run.outputs)).toEqual(expect.arrayContaining(read));
  });
});
