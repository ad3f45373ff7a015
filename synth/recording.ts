/**
 * What a program run under the recording mocks produces, and how secrets are masked in it.
 * Kept apart from the harness (which loads @pulumi/pulumi and the program) so that code which
 * only reads a run (render, estimate, the tests) does not load the program too.
 */

export const SECRET_MASK = "[secret]";
// How @pulumi/pulumi marks secrets and resource references in serialized property values.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  provider: string;
  dependencies: string[];
  /** Pulumi's `protect`: the engine refuses to delete the resource (destroy or a replacing change). */
  protect: boolean;
  inputs: Record<string, unknown>;
  /** What the mocks answered (computed names, node ports ...), secrets masked like the inputs. */
  state: Record<string, unknown>;
  /**
   * The inputs with secret values in clear: for the tests that need them (wiring, policy pack),
   * held in memory only, never written anywhere.
   */
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

/** The value with secrets in clear and resource references as their URN. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    if (record[SIG_KEY] === RESOURCE_SIG) return record.urn;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
