/**
 * Runs the Pulumi program in-process under mocks, recording every resource registration as
 * the engine would see it: type, name, parent, provider, the URNs it waits for (implicit and
 * explicit, straight from the registration request) and its inputs with secrets masked.
 * Shared by `npm run synth` and the tests, so both see the same thing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { parse as parseYaml } from "yaml";
import { PROJECT } from "../stacks/config";
import { mockCall, mockResourceState } from "./mockState";

// Internal @pulumi/pulumi functions the mocks need, absent from the public typings.
const { getStore } = runtimeState as unknown as { getStore(): Record<string, unknown> };
const { waitForRPCs } = runtimeSettings as unknown as { waitForRPCs(): Promise<void> };

export const SECRET_MASK = "[secret]";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const ROOT = path.join(__dirname, "..");

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  provider: string;
  dependencies: string[];
  inputs: Record<string, unknown>;
  /** What the mocks answered (computed names, node ports ...), secrets masked like the inputs. */
  state: Record<string, unknown>;
  /** The inputs with secret values in clear: for the wiring test only, never written anywhere. */
  unmaskedInputs: Record<string, unknown>;
}

export interface StackOutput {
  value: unknown;
  secret: boolean;
}

export interface ProgramRun {
  stack: string;
  config: Record<string, string>;
  resources: RecordedResource[];
  outputs: Record<string, StackOutput>;
}

/**
 * Replaces every value inside a secret with SECRET_MASK, keeping the shape (a secret map
 * keeps its keys), and resource references with their URN.
 */
export function maskSecrets(value: unknown, inSecret = false): unknown {
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, inSecret));
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return maskSecrets(record.value, true);
    if (record[SIG_KEY] === RESOURCE_SIG) return record.urn;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskSecrets(v, inSecret)]));
  }
  return inSecret && value !== null && value !== undefined ? SECRET_MASK : value;
}

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    if (record[SIG_KEY] === RESOURCE_SIG) return record.urn;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];
  /** Told the running count after each registration (synth's progress line). */
  onRegister?: (registered: number) => void;

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

/** Pulumi.<stack>.yaml's values, as the strings the CLI would hand the program. */
export function stackConfig(stack: string, root = ROOT): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${file}`);
  const parsed = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(parsed.config ?? {}).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

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

/**
 * Runs `program` as a Pulumi program of `project`/`stack` with `config`, under the recording
 * mocks. Also used for the bootstrap project.
 */
export async function runWithMocks(
  project: string,
  stack: string,
  config: Record<string, string>,
  program: () => Promise<Record<string, unknown>>,
  onRegister?: (registered: number) => void,
): Promise<ProgramRun> {
  const monitor = new RecordingMonitor({
    newResource: (args) => mockResourceState(args),
    call: (args) => mockCall(args),
  });
  monitor.onRegister = onRegister;
  pulumi.runtime.setMockOptions(monitor, project, stack, false);
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
