/**
 * Calls a CrossGuard policy directly on one resource's properties, as the policy runner would,
 * and collects what it reports (the runner lives in lib/report/policy.ts, which the pull-request
 * report uses too).
 */
import { policyConfigFor, violations } from "../../lib/report/policy";
import { type PolicyConfig, policies } from "../../policy/policies";
import { ROOT } from "../../synth/stackFiles";

export { violations };
export const named = (name: string) => policies.find((p) => p.name === name)!;

/** The policy config the workflows pass for a stack. */
export function configFor(stack: string): Record<string, PolicyConfig> {
  return policyConfigFor(stack, ROOT);
}
