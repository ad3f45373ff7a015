/**
 * The only place that reads Pulumi config. It applies Pulumi.yaml's defaults itself (the
 * CLI does, mocks do not, so both paths behave alike), validates every key (keys.ts) and the
 * rules between keys (rules.ts), and returns one typed StackConfig (stackConfig.ts). A bad
 * value throws before any resource is registered, naming the key, the value given and what
 * is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigValues,
  type KeySchema,
  PROJECT,
  projectConfigSchema,
  qualified,
} from "./keys";
import { ruleProblems } from "./rules";
import { type StackConfig, stackConfig } from "./stackConfig";

export { type ConfigValues, type KeySchema, PROJECT, PROJECT_FILE, projectConfigSchema } from "./keys";
export { cidrsOverlap } from "./rules";
export type {
  GcpConfig,
  GcpStackConfig,
  MinikubeConfig,
  MinikubeStackConfig,
  StackConfig,
} from "./stackConfig";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Raw values by key, as strings the way the CLI hands them over. */
export type RawConfig = (key: string) => string | undefined;

const fromPulumi: RawConfig = (key) => new pulumi.Config(PROJECT).get(key);

export function loadConfig(
  raw: RawConfig = fromPulumi,
  stack = pulumi.getStack(),
  schema: Record<string, KeySchema> = projectConfigSchema(),
): StackConfig {
  const given = givenValues(raw, schema);
  const checked = CONFIG_SCHEMA.safeParse(given);
  if (checked.success) {
    const problems = ruleProblems(checked.data, stack);
    if (problems.length > 0) throw new ConfigError(problems);
    return stackConfig(checked.data, stack);
  }
  // Report each bad key once, in table order, and still check the rules among the good ones.
  const messages = new Map<PropertyKey, string>();
  for (const issue of checked.error.issues) {
    const name = issue.path[0];
    if (name !== undefined && !messages.has(name)) messages.set(name, issue.message);
  }
  const problems = CONFIG_KEYS.flatMap((name) => {
    const message = messages.get(name);
    return message === undefined
      ? []
      : [`${qualified(name)}: got ${JSON.stringify(given[name])}; ${message}`];
  });
  throw new ConfigError([...problems, ...ruleProblems(validOnly(given, messages), stack)]);
}

/** Each key's value as set, or Pulumi.yaml's default; every key read must be declared there. */
function givenValues(raw: RawConfig, schema: Record<string, KeySchema>): Record<string, string> {
  return Object.fromEntries(
    CONFIG_KEYS.map((name) => {
      const declared = schema[name];
      if (!declared) throw new Error(`config key ${name} is read but not declared in Pulumi.yaml`);
      return [name, raw(name) ?? String(declared.default)];
    }),
  );
}

/** The keys that passed their own check, parsed; the rest left out. */
function validOnly(given: Record<string, string>, bad: Map<PropertyKey, string>): Partial<ConfigValues> {
  const good = Object.fromEntries(Object.entries(given).filter(([name]) => !bad.has(name)));
  return CONFIG_SCHEMA.partial().parse(good);
}
