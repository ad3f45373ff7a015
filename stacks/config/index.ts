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
  type ConfigKey,
  type ConfigValues,
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
  const checked = CONFIG_SCHEMA.safeParse(given);
  if (checked.success) {
    const problems = [...unknown, ...ruleProblems(checked.data)];
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
    return message === undefined ? [] : [`${qualified(name)}: got ${shown(name, given[name])}; ${message}`];
  });
  throw new ConfigError([...unknown, ...problems, ...ruleProblems(validOnly(given, messages))]);
}

/** A value as a message shows it: a secret key's never. */
function shown(name: PropertyKey, value: string | undefined): string {
  return SECRET_KEYS.has(name as ConfigKey) ? "[secret]" : JSON.stringify(value);
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
      const suggestion = nearestKey(full.slice(PROJECT.length + 1));
      return `${full}: unknown key${suggestion ? `; did you mean ${qualified(suggestion)}?` : "; see docs/configuration.md for the keys"}`;
    });
}

/** The known key closest to a misspelt one, when it is close enough to be the one meant. */
function nearestKey(typed: string): ConfigKey | undefined {
  let best: { key: ConfigKey; distance: number } | undefined;
  for (const key of CONFIG_KEYS) {
    const distance = editDistance(typed.toLowerCase(), key.toLowerCase());
    if (!best || distance < best.distance) best = { key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(typed.length / 4)) ? best.key : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/** The keys that passed their own check, parsed; the rest left out. */
function validOnly(given: Record<string, string>, bad: Map<PropertyKey, string>): Partial<ConfigValues> {
  const good = Object.fromEntries(Object.entries(given).filter(([name]) => !bad.has(name)));
  return CONFIG_SCHEMA.partial().parse(good);
}
