import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");

/** A bin folder holding only the basics the scripts use, plus the given fake tools. */
function fakeBin(tools: Record<string, string> = {}): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "fakebin-"));
  for (const basic of ["bash", "dirname", "basename", "cat", "grep", "sort", "head", "mkdir", "env", "sh"]) {
    const real = execFileSync("bash", ["-c", `command -v ${basic}`])
      .toString()
      .trim();
    fs.symlinkSync(real, path.join(bin, basic));
  }
  for (const [name, script] of Object.entries(tools)) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return bin;
}

/** A copy of scripts/ in a folder of its own, so state and passphrase land there. */
function scriptsCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-"));
  fs.cpSync(path.join(ROOT, "scripts"), path.join(dir, "scripts"), { recursive: true });
  return dir;
}

const run = (cwd: string, script: string, args: string[], env: Record<string, string>) =>
  spawnSync("bash", [script, ...args], { cwd, env, encoding: "utf8" });

describe("minikube-up.sh on a machine without the tools", () => {
  it("lists every missing tool at once, with minimum versions, and points to the offline preview", () => {
    const result = run(ROOT, "scripts/minikube-up.sh", [], { PATH: fakeBin() });
    expect(result.status).toBe(1);
    for (const tool of ["minikube", "docker", "kubectl", "pulumi", "node", "npm", "openssl"])
      expect(result.stderr).toMatch(new RegExp(`^  ${tool} >= \\d+\\.\\d+\\.\\d+: not installed`, "m"));
    expect(result.stderr).toContain("npm run synth -- --stack minikube");
  });

  it("names a tool that is too old with the version it found", () => {
    const bin = fakeBin({ pulumi: 'echo "v3.100.0"', openssl: 'echo "OpenSSL 3.0.15 3 Sep 2024"' });
    const result = run(ROOT, "scripts/lib/check-tools.sh", ["pulumi", "openssl"], { PATH: bin });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("pulumi >= 3.248.0: found 3.100.0");
    expect(result.stderr).not.toContain("openssl");
  });
});

describe("npm run pulumi (scripts/pulumi.sh)", () => {
  const pulumiFake = `if [ "$1" = version ]; then echo v3.248.0; exit 0; fi
echo "backend=$PULUMI_BACKEND_URL"; echo "passfile=$PULUMI_CONFIG_PASSPHRASE_FILE"
echo "stack=$PULUMI_STACK"; echo "cwd=$(pwd)"; echo "args=$*"`;
  const realOpenssl = execFileSync("bash", ["-c", "command -v openssl"]).toString().trim();

  it("runs the CLI against the checkout's state folder and passphrase, on the minikube stack", () => {
    const checkout = scriptsCopy();
    const bin = fakeBin({ pulumi: pulumiFake, openssl: `exec ${realOpenssl} "$@"` });
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "shell-"));
    const first = run(elsewhere, path.join(checkout, "scripts/pulumi.sh"), ["stack", "output", "x"], {
      PATH: bin,
    });
    expect(first.stderr).toBe("");
    expect(first.stdout).toContain(`backend=file://${checkout}/.pulumi-state`);
    expect(first.stdout).toContain(`passfile=${checkout}/.pulumi-state/passphrase`);
    expect(first.stdout).toContain("stack=minikube");
    expect(first.stdout).toContain(`cwd=${checkout}`);
    expect(first.stdout).toContain("args=stack output x");
    const passphraseFile = path.join(checkout, ".pulumi-state", "passphrase");
    expect(fs.statSync(passphraseFile).mode & 0o777).toBe(0o600);
    const passphrase = fs.readFileSync(passphraseFile, "utf8");
    expect(passphrase.trim().length).toBeGreaterThanOrEqual(40);
    // The same passphrase next time: a new one would make the stack's secrets unreadable.
    run(elsewhere, path.join(checkout, "scripts/pulumi.sh"), ["up"], { PATH: bin });
    expect(fs.readFileSync(passphraseFile, "utf8")).toBe(passphrase);
  });

  it("leaves the user's own backend, passphrase and stack alone", () => {
    const checkout = scriptsCopy();
    const bin = fakeBin({ pulumi: pulumiFake, openssl: `exec ${realOpenssl} "$@"` });
    const result = run(checkout, "scripts/pulumi.sh", ["preview"], {
      PATH: bin,
      PULUMI_BACKEND_URL: "gs://my-state",
      PULUMI_CONFIG_PASSPHRASE: "mine",
      PULUMI_STACK: "dev",
    });
    expect(result.stdout).toContain("backend=gs://my-state");
    expect(result.stdout).toContain("passfile=\n");
    expect(result.stdout).toContain("stack=dev");
    expect(fs.existsSync(path.join(checkout, ".pulumi-state", "passphrase"))).toBe(false);
  });

  it.each(["scripts/minikube-up.sh", "scripts/dev-loop.sh"])(
    "is the one way %s's printed hints run pulumi",
    (script) => {
      // Every tool a stand-in at a version the checks accept; minikube running, pulumi answering
      // each `stack output <name>` with a placeholder. What the script prints is what is checked.
      const realOpenssl = execFileSync("bash", ["-c", "command -v openssl"]).toString().trim();
      const bin = fakeBin({
        minikube: 'case "$1" in version) echo v1.36.0 ;; esac',
        docker: "echo 28.0.0",
        kubectl: 'case "$1" in version) echo "Client Version: v1.33.0" ;; esac',
        node: "echo v20.0.0",
        npm: "echo 10.0.0",
        openssl: `exec ${realOpenssl} "$@"`,
        pulumi: `case "$1" in version) echo v3.248.0 ;; config) exit 1 ;; stack) [ "$2" = output ] && echo "<$3>"; exit 0 ;; esac`,
        seq: "echo 1",
        sleep: "",
        base64: "",
      });
      for (const basic of ["basename", "sort", "mkdir", "tr", "cat"]) {
        const real = execFileSync("bash", ["-c", `command -v ${basic}`])
          .toString()
          .trim();
        if (!fs.existsSync(path.join(bin, basic))) fs.symlinkSync(real, path.join(bin, basic));
      }
      const checkout = scriptsCopy();
      fs.mkdirSync(path.join(checkout, "node_modules"));
      const result = run(checkout, script, [], { PATH: bin, HOME: checkout });
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      // Commands the user copies into their own shell: only the wrapper reaches the stack there.
      const hints = [
        ...result.stdout.matchAll(/(npm run pulumi --|pulumi) (config set|stack output \S+ --show-secrets)/g),
      ];
      expect(hints.length, result.stdout).toBeGreaterThan(0);
      for (const hint of hints) expect(hint[1], hint[0]).toBe("npm run pulumi --");
      expect(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.pulumi).toBe(
        "bash scripts/pulumi.sh",
      );
    },
  );
});
