/**
 * scripts/local-up.sh, the main job on a Linux machine without minikube: its contract with the
 * local cluster, the stack's config schema, minikube-up.sh's state and the README, checked on the
 * script's text (running it needs root, a real node and minutes) and on its refusals.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const script = read("scripts/local-up.sh");
/** The script's code: its comment lines left out, so a promise in a comment proves nothing. */
const code = script
  .split("\n")
  .filter((line) => !/^\s*#/.test(line))
  .join("\n");

describe("local-up.sh", () => {
  it("is executable and strict", () => {
    expect(fs.statSync(path.join(ROOT, "scripts/local-up.sh")).mode & 0o111).not.toBe(0);
    expect(code).toContain("set -euo pipefail");
  });

  it("refuses an unknown option before doing anything, naming it and what is allowed", () => {
    const result = spawnSync("bash", ["scripts/local-up.sh", "--bogus"], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown option '--bogus'");
    expect(result.stderr).toContain("--down");
  });

  it("needs Linux and root, and says to use minikube-up.sh elsewhere", () => {
    expect(code).toMatch(/\[ "\$\(uname -s\)" = Linux \] \|\| die "[^"]*minikube-up\.sh/);
    expect(code).toMatch(/\[ "\$\(id -u\)" = 0 \] \|\| die/);
  });

  it("starts the local cluster with a real node, never kwok's", () => {
    expect(code).toMatch(/LOCAL_CLUSTER_NODE=real cluster up/);
    expect(code).toMatch(/node-mode"\)" = real \]/);
  });

  it("sets only config keys the schema knows, and the context local-cluster.sh names", () => {
    const schema = Object.keys(parse(read("Pulumi.yaml")).config);
    const keys = [...code.matchAll(/engine_config (\w+) /g)].map((match) => match[1]);
    expect(keys).toEqual(["kubeContext", "image", "postgresImage", "redisImage", "postgresHostPath"]);
    for (const key of keys) expect(schema, key).toContain(key);
    const context = read("cluster/local-cluster.sh").match(/^CONTEXT=(\S+)/m)?.[1];
    expect(code).toContain(`engine_config kubeContext ${context}\n`);
  });

  it("runs the images the stand-in script builds, and the app image the stack names", () => {
    expect(code).toMatch(
      /read -r postgres_image redis_image < <\(bash cluster\/real-node\/standins\.sh images/,
    );
    expect(code).toMatch(/images\.sh from-podman "\$CONTAINERD_SOCK" "\$image"/);
    expect(code).toContain('engine_config image "$image"');
  });

  it("keeps its state apart from minikube-up.sh's, with the same passphrase", () => {
    const backend = code.search(
      /export PULUMI_BACKEND_URL=\$\{PULUMI_BACKEND_URL:-file:\/\/\$LOCAL_UP\/state\}/,
    );
    const passphrase = code.indexOf("source scripts/lib/pulumi-env.sh");
    expect(backend).toBeGreaterThan(-1);
    // pulumi-env.sh keeps a backend already set: it must be set before.
    expect(backend).toBeLessThan(passphrase);
    expect(read("scripts/lib/pulumi-env.sh")).toMatch(/PULUMI_BACKEND_URL=\$\{PULUMI_BACKEND_URL:-/);
  });

  it("--down reads the cluster's status whole (grep -q in a pipe fails the pipe under pipefail)", () => {
    expect(code).toMatch(/status=\$\(cluster status/);
    expect(code).not.toMatch(/cluster status[^\n]*\|\s*grep -q/);
  });

  it("--down destroys the stack before it stops the cluster", () => {
    const down = code.slice(code.indexOf('if [ "$mode" = down ]'));
    expect(down.indexOf('engine "destroy" destroy')).toBeGreaterThan(-1);
    expect(down.indexOf('engine "destroy" destroy')).toBeLessThan(down.indexOf("cluster down"));
  });

  it("prints the app's URL on the loopback NodePort, and no secret", () => {
    expect(code).toContain('echo "web:    http://127.0.0.1:$(output webNodePort)/"');
    const printed = code.split("\n").filter((line) => /^\s*echo /.test(line));
    for (const line of printed) expect(line).not.toContain("--show-secrets");
  });

  it("is offered in the README beside minikube-up.sh", () => {
    const rows = read("README.md")
      .split("\n")
      .filter((line) => line.startsWith("| `bash scripts/"));
    const minikube = rows.findIndex((line) => line.includes("scripts/minikube-up.sh"));
    expect(rows[minikube + 1]).toContain("`bash scripts/local-up.sh`");
  });
});
