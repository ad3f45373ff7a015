/**
 * The deployer may grant only the project roles in bootstrap's grantableRoles (an IAM condition
 * on project IAM admin): every project role a GCP stack grants must be among them, or that
 * stack's first `pulumi up` from CI would be refused.
 */
import { describe, expect, it } from "vitest";
import {
  DEPLOYER_ROLES,
  DEPLOYER_ROLES_BY_MODULE,
  grantableRoles,
  PROJECT_IAM_ADMIN,
} from "../../bootstrap/program";
import { programRun } from "./runs";

const VARIANTS: Record<string, Record<string, string>[]> = {
  dev: [{}, { "django-k8s:loadGenerator": "true", "django-k8s:loadGeneratorRate": "50" }],
  prod: [
    {},
    { "django-k8s:loadGenerator": "true", "django-k8s:loadGeneratorRate": "50" },
    { "django-k8s:loadGenerator": "true", "django-k8s:workerAutoscaling": "queue" },
  ],
};

describe.each(["dev", "prod"])("%s stack", (stack) => {
  it("grants only project roles the deployer is allowed to grant", () => {
    for (const overrides of VARIANTS[stack]!) {
      const run = programRun(stack, overrides);
      const granted = run.resources
        .filter((r) => r.type === "gcp:projects/iAMMember:IAMMember")
        .map((r) => ({ project: r.inputs.project as string, role: r.inputs.role as string }));
      expect(granted.length).toBeGreaterThan(0);
      for (const { project, role } of granted) {
        // A custom role's name is known before it exists: projects/<project>/roles/<id>.
        expect(grantableRoles(project), `${stack} grants ${role}`).toContain(role);
      }
    }
  });

  it("holds a role for every kind of Google resource the stack creates", () => {
    for (const overrides of VARIANTS[stack]!) {
      const modules = new Set(
        programRun(stack, overrides)
          .resources.filter((r) => r.custom && r.type.startsWith("gcp:"))
          .map((r) => r.type.split(":")[1]!.split("/")[0]!),
      );
      expect(modules.has("monitoring")).toBe(true);
      for (const module of modules) {
        const roles = DEPLOYER_ROLES_BY_MODULE[module];
        expect(roles, `no deployer role creates gcp:${module}/* resources`).toBeDefined();
        for (const role of roles!) expect([...DEPLOYER_ROLES, PROJECT_IAM_ADMIN], module).toContain(role);
      }
    }
  });

  it("never needs unconditional project IAM admin", () => {
    expect(DEPLOYER_ROLES).not.toContain(PROJECT_IAM_ADMIN);
  });
});
