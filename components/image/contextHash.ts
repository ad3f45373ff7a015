/**
 * A content hash of a Docker build context, honouring its .dockerignore: the image tag, so
 * a code change gives a new tag (and rolls the workloads) and an unchanged tree keeps it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import dockerignore from "@balena/dockerignore";

export function buildContextFiles(contextDir: string): string[] {
  const ignoreFile = path.join(contextDir, ".dockerignore");
  const rules = fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, "utf8") : "";
  const ignored = dockerignore({ ignorecase: false }).add(rules);
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(contextDir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (ignored.ignores(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk("");
  // The Dockerfile shapes the image even when .dockerignore leaves it out of the context.
  if (!files.includes("Dockerfile") && fs.existsSync(path.join(contextDir, "Dockerfile")))
    files.push("Dockerfile");
  return files.sort();
}

export function contextHash(contextDir: string): string {
  const hash = createHash("sha256");
  for (const file of buildContextFiles(contextDir)) {
    hash
      .update(file)
      .update("\0")
      .update(fs.readFileSync(path.join(contextDir, file)))
      .update("\0");
  }
  return hash.digest("hex");
}
