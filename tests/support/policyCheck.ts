/**
 * Calls a CrossGuard policy directly on one resource's properties, as the policy runner would,
 * and collects what it reports.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { type PolicyConfig, policies } from "../../policy/policies";
import { ROOT } from "../../synth/stackFiles";

export function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, any>,
  config: PolicyConfig = {},
  opts: { protect?: boolean } = {},
) {
  const found: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:test::${type}`,
    name: "subject",
    opts,
    stackTags: new Map(),
    isType: () => false,
    specification: "",
    getConfig: () => config,
  } as unknown as ResourceValidationArgs;
  (policy.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void)(args, (m) =>
    found.push(m),
  );
  return found;
}
export const named = (name: string) => policies.find((p) => p.name === name)!;

/** The policy config the workflows pass for a stack. */
export function configFor(stack: string): Record<string, PolicyConfig> {
  const file = path.join(ROOT, "policy", `gcp-${stack}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}
