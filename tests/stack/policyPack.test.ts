/** The CrossGuard policies over every resource every stack renders, with that stack's policy config. */
import { describe, expect, it } from "vitest";
import { policies } from "../../policy/policies";
import type { ProgramRun } from "../../synth/recording";
import { availableStacks } from "../../synth/stackFiles";
import { configFor, violations } from "../support/policyCheck";
import { programRun } from "./runs";

const runs: [string, ProgramRun][] = [
  ...availableStacks().map((stack): [string, ProgramRun] => [stack, programRun(stack)]),
  [
    "prod",
    programRun("prod", { "django-k8s:loadGenerator": "true", "django-k8s:workerAutoscaling": "queue" }),
  ],
];

describe("policy pack", () => {
  it("passes every resource of every stack", () => {
    let checked = 0;
    for (const [stack, run] of runs) {
      const config = configFor(stack);
      for (const resource of run.resources.filter((r) => r.custom)) {
        for (const policy of policies) {
          expect(
            violations(policy, resource.type, resource.unmaskedInputs as any, config[policy.name], {
              protect: resource.protect,
            }),
            `${stack} ${resource.name}`,
          ).toEqual([]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
