/**
 * The config a stack's program would read (Pulumi.<stack>.yaml plus overrides, as runProgram
 * passes it), validated by the config module alone: the config rules without the program.
 */
import { ConfigError, loadConfig, type StackConfig } from "../../stacks/config";
import { stackConfig } from "../../synth/stackFiles";

export function loadStackConfig(stack: string, overrides: Record<string, string> = {}): StackConfig {
  const values = { ...stackConfig(stack), ...overrides };
  return loadConfig(values, stack);
}

/** The ConfigError the stack's program would stop with, or undefined when the config is valid. */
export function configError(stack: string, overrides: Record<string, string>): ConfigError | undefined {
  try {
    loadStackConfig(stack, overrides);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}
