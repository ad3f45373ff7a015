/**
 * The policy pack (policy/policies.ts) over what synth recorded for one stack, the way the
 * CrossGuard runner calls it during `pulumi preview`: each resource validation policy on each
 * resource, with the stack's policy config (policy/gcp-<stack>.json, as the workflows pass it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { type PolicyConfig, policies } from "../../policy/policies";

/** What `policy` reports for one resource. */
export function violations(
  policy: ResourceValidationPolicy,
  type: string,
  props: Record<string, any>,
  config: PolicyConfig = {},
  opts: { protect?: boolean } = {},
): string[] {
  const found: string[] = [];
  const args = {
    type,
    props,
    urn: `urn:check::${type}`,
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

/** The policy config the workflows pass for `stack` (none for a stack without a file). */
export function policyConfigFor(stack: string, root: string): Record<string, PolicyConfig> {
  const file = path.join(root, "policy", `gcp-${stack}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}

export interface PolicyResult {
  policies: number;
  resources: number;
  violations: string[];
}

/** Every policy over every resource (components, providers and the stack excepted). */
export function checkPolicies(
  resources: { type: string; name: string; inputs: Record<string, any>; protect?: boolean }[],
  config: Record<string, PolicyConfig>,
): PolicyResult {
  const custom = resources.filter((r) => !r.type.startsWith("pulumi:") && !r.type.startsWith("django-k8s:"));
  const found: string[] = [];
  for (const resource of custom)
    for (const policy of policies)
      for (const message of violations(policy, resource.type, resource.inputs, config[policy.name], {
        protect: resource.protect,
      }))
        found.push(`${policy.name} on ${resource.name}: ${message}`);
  return { policies: policies.length, resources: custom.length, violations: found };
}
