/** Names of the Jobs that run once per image. */
import { createHash } from "node:crypto";

/**
 * The name of a Job that runs once per image (migrate, collectstatic): a hash of the image
 * and the command. A new image (or command) gets a new Job, which runs; an unchanged one
 * keeps the finished Job, which does not run again.
 */
export function runOnceJobName(prefix: string, image: string, command: readonly string[]): string {
  const digest = createHash("sha256").update(image).update("\0").update(command.join("\0")).digest("hex");
  return `${prefix}-${digest.slice(0, 12)}`;
}
