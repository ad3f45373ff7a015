/**
 * Runs this project's Pulumi program for a stack, in-process under the recording mocks
 * (mockRuntime.ts), with the config the CLI would hand it. Shared by `npm run synth` and the
 * tests, so both see the same thing.
 */
import { PROJECT } from "../stacks/config";
import { PREVIEW_STACK } from "../stacks/previewContract";
import { runWithMocks } from "./mockRuntime";
import type { ProgramRun } from "./recording";
import { previewStackConfig, stackConfig } from "./stackFiles";

export type { ProgramRun, RecordedResource, StackOutput } from "./recording";

/**
 * Runs the program for `stack` with Pulumi.<stack>.yaml plus `overrides` (keys written
 * `django-k8s:<key>`). Rejects with the program's own error (e.g. a ConfigError).
 *
 * A preview (pr-<number> with previewParent in `overrides`) has no file: it gets the config
 * the lifecycle gives it, and its parent is synthesized first, with `parentOverrides`, so the
 * preview's StackReference reads the parent's outputs as a deployed parent would export them.
 */
export async function runProgram(
  stack: string,
  overrides: Record<string, string> = {},
  onRegister?: (registered: number) => void,
  parentOverrides: Record<string, string> = {},
): Promise<ProgramRun> {
  const parent = PREVIEW_STACK.test(stack) ? overrides[`${PROJECT}:previewParent`] : undefined;
  const referenced = parent
    ? { [`organization/${PROJECT}/${parent}`]: (await runProgram(parent, parentOverrides)).outputs }
    : {};
  const base = parent ? previewStackConfig(parent) : stackConfig(stack);
  const config = { ...base, ...overrides };
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
    referenced,
  );
}
