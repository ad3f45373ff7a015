/**
 * The only place that reads Pulumi config. It applies Pulumi.yaml's defaults itself (the
 * CLI does, mocks do not, so both paths behave alike), validates every key (keys.ts) and the
 * rules between keys (rules.ts), and returns one typed StackConfig (stackConfig.ts). A bad
 * value throws before any resource is registered, naming the key, the value given and what
 * is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { nearestName } from "../../lib/nearest";
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  type ConfigValues,
  gcpProjectMessage,
  type KeySchema,
  PROJECT,
  projectConfigSchema,
  qualified,
  SECRET_KEYS,
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

/**
 * The stack's whole config as the CLI hands it to the program: `<namespace>:<key>` to string
 * (Pulumi.<stack>.yaml, `--config`, `pulumi config set`; bare keys already in the project's
 * namespace). Other namespaces (providers' settings) are not this module's.
 */
export type RawConfig = Record<string, string>;

export function loadConfig(
  raw: RawConfig = pulumi.runtime.allConfig(),
  stack = pulumi.getStack(),
  schema: Record<string, KeySchema> = projectConfigSchema(),
): StackConfig {
  const unknown = unknownKeys(raw);
  const given = givenValues(raw, schema);
  // The CLI hands the program Pulumi.yaml's defaults as config too (the mocks do not): a key
  // counts as set when its value is not the declared default.
  const setKeys = CONFIG_KEYS.filter((name) => {
    const value = raw[qualified(name)];
    return value !== undefined && value !== String(schema[name]?.default);
  });
  const checked = CONFIG_SCHEMA.safeParse(given);
  if (checked.success) {
    const problems = [...unknown, ...ruleProblems(checked.data, stack, setKeys)];
    if (problems.length > 0) throw new ConfigError(problems);
    return stackConfig(checked.data, stack);
  }
  // Report each bad key once, in table order, and still check the rules among the good ones.
  const messages = new Map<PropertyKey, string>();
  for (const issue of checked.error.issues) {
    const name = issue.path[0];
    if (name !== undefined && !messages.has(name)) messages.set(name, issue.message);
  }
  // A bad project ID on the gcp platform, where empty is no way out, says what is allowed there.
  if (messages.has("gcpProject") && given.platform === "gcp")
    messages.set("gcpProject", gcpProjectMessage(stack));
  const problems = CONFIG_KEYS.flatMap((name) => {
    const message = messages.get(name);
    return message === undefined ? [] : [`${qualified(name)}: got ${shown(name, given[name])}; ${message}`];
  });
  throw new ConfigError([
    ...unknown,
    ...problems,
    ...ruleProblems(validOnly(given, messages), stack, setKeys),
  ]);
}

/** A value as a message shows it: a secret key's never. */
function shown(name: PropertyKey, value: string | undefined): string {
  return [...SECRET_KEYS].some((key) => key === name) ? "[secret]" : JSON.stringify(value);
}

/** Each key's value as set, or Pulumi.yaml's default; every key read must be declared there. */
function givenValues(raw: RawConfig, schema: Record<string, KeySchema>): Record<string, string> {
  return Object.fromEntries(
    CONFIG_KEYS.map((name) => {
      const declared = schema[name];
      if (!declared) throw new Error(`config key ${name} is read but not declared in Pulumi.yaml`);
      return [name, raw[qualified(name)] ?? String(declared.default)];
    }),
  );
}

/**
 * A key of this project that the program does not read is a typo or a leftover: the CLI
 * would store it and the program ignore it, so the value the user meant never applies.
 */
function unknownKeys(raw: RawConfig): string[] {
  const known = new Set<string>(CONFIG_KEYS);
  return Object.keys(raw)
    .filter((full) => full.startsWith(`${PROJECT}:`) && !known.has(full.slice(PROJECT.length + 1)))
    .sort()
    .map((full) => {
      const suggestion = nearestName(full.slice(PROJECT.length + 1), CONFIG_KEYS);
      return `${full}: unknown key${suggestion ? `; did you mean ${qualified(suggestion)}?` : "; see docs/configuration.md for the keys"}`;
    });
}

/** The keys that passed their own check, parsed; the rest left out. */
function validOnly(given: Record<string, string>, bad: Map<PropertyKey, string>): Partial<ConfigValues> {
  const good = Object.fromEntries(Object.entries(given).filter(([name]) => !bad.has(name)));
  return CONFIG_SCHEMA.partial().parse(good);
}
