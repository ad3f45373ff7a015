/**
 * Runs this project's Pulumi program for a stack, in-process under the recording mocks
 * (mockRuntime.ts), with the config the CLI would hand it. Shared by `npm run synth` and the
 * tests, so both see the same thing.
 */
import { PROJECT } from "../stacks/config";
import { runWithMocks } from "./mockRuntime";
import type { ProgramRun } from "./recording";
import { stackConfig } from "./stackFiles";

export type { ProgramRun, RecordedResource, StackOutput } from "./recording";

/**
 * Runs the program for `stack` with Pulumi.<stack>.yaml plus `overrides` (keys written
 * `django-k8s:<key>`). Rejects with the program's own error (e.g. a ConfigError).
 */
export async function runProgram(
  stack: string,
  overrides: Record<string, string> = {},
  onRegister?: (registered: number) => void,
): Promise<ProgramRun> {
  const config = { ...stackConfig(stack), ...overrides };
  return runWithMocks(
    PROJECT,
    stack,
    config,
    async () => {
      // Exactly what index.ts does; imported here so each run reads its own config.
      const { loadConfig } = await import("../stacks/config");
      const { deploy } = await import("../stacks");
      return deploy(loadConfig());
    },
    onRegister,
  );
}
