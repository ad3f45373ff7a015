/** backupBeforeMigrate: auto follows the environment; true and false decide for any environment. */
import { describe, expect, it } from "vitest";
import { DEV_AS_PRODUCTION } from "../stack/configurations";
import { configError, loadStackConfig } from "../support/stackConfig";

const backupOf = (stack: string, overrides: Record<string, string> = {}) => {
  const config = loadStackConfig(stack, overrides);
  if (config.platform !== "gcp") throw new Error(`${stack} is not a gcp stack`);
  return config.gcp.backupBeforeMigrate;
};

describe("backupBeforeMigrate", () => {
  it("is on by default in production, whatever the stack is called, and off in development", () => {
    expect(backupOf("prod")).toBe(true);
    expect(backupOf("dev", DEV_AS_PRODUCTION)).toBe(true);
    expect(backupOf("dev")).toBe(false);
  });

  it("can be switched on in development and off in production", () => {
    expect(backupOf("dev", { "django-k8s:backupBeforeMigrate": "true" })).toBe(true);
    expect(backupOf("prod", { "django-k8s:backupBeforeMigrate": "false" })).toBe(false);
  });

  it("refuses anything else, naming the key, the value and what is allowed", () => {
    expect(configError("prod", { "django-k8s:backupBeforeMigrate": "yes" })?.problems).toEqual([
      'django-k8s:backupBeforeMigrate: got "yes"; expected one of auto, true, false',
    ]);
  });
});
