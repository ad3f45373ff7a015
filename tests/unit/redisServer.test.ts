/**
 * Each stack's Redis is configured as the app's fault tests run it (app/config/redis_server.json):
 * volatile-lru so a full cache never blocks or evicts the queue; in-cluster, the append-only file
 * synced every second on a claim, with the pod recreated, never doubled. The in-cluster config is
 * also started for real: redis-server must accept every line and report the values.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_DATA_DIR, redisConfText, redisDeploymentArgs } from "../../components/k8s/InClusterRedis";
import { redisServerSettings } from "../../lib/redisServer";

const sizes = { cpuRequest: "50m", cpuLimit: "500m", memory: "256Mi" };

describe("the in-cluster Redis", () => {
  const conf = redisConfText("pw", sizes);

  it("renders the app's settings: volatile-lru, AOF every second, no RDB, in the data directory", () => {
    const lines = conf.trim().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "requirepass pw",
        `dir ${REDIS_DATA_DIR}`,
        "maxmemory 192mb", // 75% of 256Mi
        "maxmemory-policy volatile-lru",
        "appendonly yes",
        "appendfsync everysec",
        'save ""',
      ]),
    );
    // Every setting of the app's file, and no other policy.
    const app = redisServerSettings();
    for (const [name, value] of Object.entries({ ...app.everywhere, ...app.inCluster }))
      expect(lines).toContain(`${name} ${value === "" ? '""' : value}`);
    expect(conf).not.toContain("noeviction");
  });

  it("keeps its data on the claim, recreated rather than rolled (one writer of the append-only file)", () => {
    const deployment = redisDeploymentArgs({ namespace: "ns", image: "redis" }, sizes, "conf", "redis-data");
    const spec = deployment.spec as any;
    expect(spec.strategy).toEqual({ type: "Recreate" });
    expect(spec.replicas).toBe(1);
    const pod = spec.template.spec;
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === REDIS_DATA_DIR);
    expect(pod.volumes.find((v: any) => v.name === mount.name)).toEqual({
      name: mount.name,
      persistentVolumeClaim: { claimName: "redis-data" },
    });
    expect(pod.volumes.some((v: any) => "emptyDir" in v)).toBe(false);
  });

  describe("started with that file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-conf-"));
    let server: ChildProcess | undefined;
    afterAll(() => {
      server?.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("redis-server accepts it and reports the values", async () => {
      const port = await freePort();
      const file = path.join(dir, "redis.conf");
      // The pod's file, with the directory and the port of this test's own server.
      fs.writeFileSync(
        file,
        `${conf.replace(`dir ${REDIS_DATA_DIR}`, `dir ${dir}`)}port ${port}\nbind 127.0.0.1\n`,
      );
      server = spawn("redis-server", [file], { stdio: "ignore" });
      const cli = (...args: string[]) =>
        execFileSync("redis-cli", ["-p", String(port), "--no-auth-warning", "-a", "pw", ...args], {
          encoding: "utf8",
        }).trim();
      await waitFor(() => cli("ping") === "PONG");
      const get = (name: string) => cli("config", "get", name).split("\n")[1] ?? "";
      expect(get("maxmemory-policy")).toBe("volatile-lru");
      expect(get("appendonly")).toBe("yes");
      expect(get("appendfsync")).toBe("everysec");
      expect(get("save")).toBe("");
      expect(get("maxmemory")).toBe(String(192 * 2 ** 20));
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

async function waitFor(ready: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (ready()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("redis-server did not answer within 5 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}
