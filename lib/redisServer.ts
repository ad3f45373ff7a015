/**
 * The Redis server settings the app relies on, read from the app's own file
 * (app/config/redis_server.json), which its fault tests start redis-server with: one source for
 * the app's tests, the in-cluster Redis (InClusterRedis) and Memorystore (MemorystoreRedis).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const REDIS_SERVER_FILE = path.join(__dirname, "..", "app", "config", "redis_server.json");

const settings = z.record(z.string(), z.string());
const file = z.object({ everywhere: settings, inCluster: settings });
export type RedisServerSettings = z.infer<typeof file>;

export function redisServerSettings(source = REDIS_SERVER_FILE): RedisServerSettings {
  return file.parse(JSON.parse(fs.readFileSync(source, "utf8")));
}

/** redis.conf lines for the given settings: an empty value written as "" (e.g. `save ""`). */
export function redisConfLines(values: Record<string, string>): string[] {
  return Object.entries(values).map(([name, value]) => `${name} ${value === "" ? '""' : value}`);
}
