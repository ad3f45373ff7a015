/** The CrossGuard policies over every resource every stack renders, with that stack's policy config. */
import { describe, expect, it } from "vitest";
import { policies } from "../../policy/policies";
import type { ProgramRun } from "../../synth/recording";
import { availableStacks } from "../../synth/stackFiles";
import { configFor, violations } from "../support/policyCheck";
import { DEV_WITH_PREVIEWS, PREVIEW_CONFIGURATIONS } from "./configurations";
import { programRun } from "./runs";

const runs: [string, ProgramRun][] = [
  ...availableStacks().map((stack): [string, ProgramRun] => [stack, programRun(stack)]),
  [
    "prod",
    programRun("prod", { "django-k8s:loadGenerator": "true", "django-k8s:workerAutoscaling": "queue" }),
  ],
  // A preview is checked with its parent's policy config: it deploys into the parent's project.
  ["dev", programRun("dev", DEV_WITH_PREVIEWS)],
  ...PREVIEW_CONFIGURATIONS.map(({ stack, overrides, parentOverrides }): [string, ProgramRun] => [
    overrides["django-k8s:previewParent"] ?? stack,
    programRun(stack, overrides, 1, parentOverrides),
  ]),
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
