/**
 * The policy pack started the way `pulumi preview --policy-pack policy` starts it: the Pulumi
 * SDK's policy-pack runner (TypeScript compiled and type-checked by it, cwd = policy/), then
 * asked over gRPC what it serves. Catches what calling the policies directly cannot: a pack that
 * does not load (no package.json with a version, a type error, a bad import).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackPolicies } from "../../policy/monitoring";
import { policies } from "../../policy/policies";
import { ROOT } from "../../synth/stackFiles";

// The gRPC client and messages the Pulumi engine itself uses, from the SDK's own dependencies.
const fromSdk = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = fromSdk("@grpc/grpc-js");
const { AnalyzerClient } = fromSdk("./proto/analyzer_grpc_pb.js");
const { Empty } = fromSdk("google-protobuf/google/protobuf/empty_pb.js");

type Served = { name: string; version: string; policies: { name: string; config: string[] }[] };

let pack: ChildProcess;
let served: Served;

beforeAll(async () => {
  const runner = path.join(
    path.dirname(require.resolve("@pulumi/pulumi/package.json")),
    "cmd",
    "run-policy-pack",
  );
  // Arguments as the CLI's analyzer plugin passes them: <engine address> <pack directory>.
  pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: path.join(ROOT, "policy") });
  let stdout = "";
  let stderr = "";
  pack.stderr!.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    // A loaded pack prints the port of its gRPC server, as plugins do for the engine.
    pack.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const match = /^(\d+)\s*$/m.exec(stdout);
      if (match) resolve(match[1]!);
    });
    pack.on("exit", (code) =>
      reject(new Error(`policy pack exited (${code}) before serving:\n${stdout}${stderr}`)),
    );
  });
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  served = await new Promise<Served>((resolve, reject) =>
    client.getAnalyzerInfo(new Empty(), (error: Error | null, info: any) => {
      if (error) return reject(error);
      resolve({
        name: info.getName(),
        version: info.getVersion(),
        policies: info.getPoliciesList().map((p: any) => ({
          name: p.getName(),
          config: Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}),
        })),
      });
    }),
  );
  client.close();
}, 60_000);

afterAll(() => {
  pack?.kill();
});

describe("policy pack under the Pulumi policy runner", () => {
  it("loads and serves every policy", () => {
    expect(served.name).toBe("django-k8s");
    expect(served.version).toBe(
      JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")).version,
    );
    expect(served.policies.map((p) => p.name).sort()).toEqual(
      [...policies, ...stackPolicies].map((p) => p.name).sort(),
    );
  });

  it.each(["gcp-dev.json", "gcp-prod.json"])(
    "accepts %s: every key a served policy's config property",
    (file) => {
      const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", file), "utf8")) as Record<
        string,
        Record<string, unknown>
      >;
      for (const [policyName, settings] of Object.entries(config)) {
        const policy = served.policies.find((p) => p.name === policyName);
        expect(policy, `${file}: ${policyName}`).toBeDefined();
        for (const key of Object.keys(settings))
          expect(policy!.config, `${file}: ${policyName}.${key}`).toContain(key);
      }
    },
  );
});
