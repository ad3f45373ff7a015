/**
 * Runs a Pulumi program in-process under mocks, recording every resource registration as the
 * engine would see it: type, name, parent, provider, the URNs it waits for (implicit and
 * explicit, straight from the registration request), its `protect` option (inherited from a
 * parent as the engine inherits it) and its inputs with secrets masked.
 * Knows no particular program: harness.ts runs this project's, the bootstrap test its own.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { mockCall, mockResourceState, type ReferencedStacks } from "./mockState";
import {
  maskSecrets,
  type ProgramRun,
  type RecordedResource,
  type StackOutput,
  unwrapSecrets,
} from "./recording";

// Internal @pulumi/pulumi functions the mocks need, absent from the public typings.
const { getStore } = runtimeState as unknown as { getStore(): Record<string, unknown> };
const { waitForRPCs } = runtimeSettings as unknown as { waitForRPCs(): Promise<void> };

class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];
  /** Told the running count after each registration (synth's progress line). */
  onRegister?: (registered: number) => void;

  constructor(mocks: pulumi.runtime.Mocks) {
    super(mocks);
    // MockMonitor's newUrn is private in its typings; engineUrn replaces it (why: engineUrn).
    (this as unknown as { newUrn: typeof engineUrn }).newUrn = engineUrn;
  }

  override async registerResource(req: any, callback: (err: any, resp: any) => void): Promise<void> {
    const recordedCallback = (err: any, resp: any) => {
      if (!err) {
        this.recorded.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent(),
          provider: req.getProvider(),
          dependencies: [...req.getDependenciesList()].sort(),
          protect: req.getProtect() ?? false,
          inputs: maskSecrets(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          unmaskedInputs: unwrapSecrets(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          state: maskSecrets(resp.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        });
        this.onRegister?.(this.recorded.length);
      }
      callback(err, resp);
    };
    return super.registerResource(req, recordedCallback);
  }
}

/**
 * The URN the engine gives: the parent's whole type chain before the type (the root stack's own
 * type left out), where the SDK's MockMonitor keeps only the parent's last type. A resource two
 * components deep (an autoscaler inside WorkloadScaling inside DjangoApp) had a URN the engine
 * never gives, so the engine test could not match an offline render to the engine's plan.
 */
function engineUrn(parent: string, type: string, name: string): string {
  const parentChain = parent ? parent.split("::")[2] : undefined;
  const chain = parentChain && parentChain !== "pulumi:pulumi:Stack" ? `${parentChain}$${type}` : type;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${chain}::${name}`;
}

/**
 * Runs `program` as a Pulumi program of `project`/`stack` with `config`, under the recording
 * mocks; StackReferences to `referenced` stacks read their outputs. Also used for the bootstrap
 * project.
 */
export async function runWithMocks(
  project: string,
  stack: string,
  config: Record<string, string>,
  program: () => Promise<Record<string, unknown>>,
  onRegister?: (registered: number) => void,
  referenced: ReferencedStacks = {},
): Promise<ProgramRun> {
  const monitor = new RecordingMonitor({
    newResource: (args) => mockResourceState(args, referenced),
    call: (args) => mockCall(args),
  });
  monitor.onRegister = onRegister;
  // The organization a self-managed (gs://) backend reports: what StackReference names start with.
  pulumi.runtime.setMockOptions(monitor, project, stack, false, "organization");
  // What setMocks switches on after setMockOptions; secrets must travel as secrets.
  Object.assign(getStore(), {
    supportsSecrets: true,
    supportsResourceReferences: true,
    supportsOutputValues: false,
    supportsDeletedWith: true,
    supportsAliasSpecs: true,
  });
  pulumi.runtime.setAllConfig(config);

  let programOutputs: Record<string, unknown> = {};
  let programError: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    try {
      programOutputs = await program();
    } catch (error) {
      programError = error;
      return {};
    }
    return programOutputs;
  });
  if (programError) throw programError;
  // Every registration still in flight (resources created inside apply callbacks too).
  await waitForRPCs();

  const outputs: Record<string, StackOutput> = {};
  for (const [key, value] of Object.entries(programOutputs)) {
    const output = pulumi.output(value);
    outputs[key] = { value: await promiseOf(output), secret: await pulumi.isSecret(output) };
  }
  return { stack, config, resources: monitor.recorded, outputs };
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}
