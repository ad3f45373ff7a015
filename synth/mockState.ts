/**
 * What the mocks answer for each resource: its inputs plus the computed fields real
 * providers would fill in, so outputs resolve to realistic values instead of undefined.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

/** Recognisable so the secret-leak tests can search every rendered file for it. */
export function mockSecretValue(name: string): string {
  return `MOCKSECRET${createHash("sha256").update(name).digest("hex").slice(0, 24)}`;
}

function short(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 7);
}

export function mockResourceState(args: pulumi.runtime.MockResourceArgs): {
  id: string;
  state: Record<string, any>;
} {
  const inputs = structuredClone(args.inputs ?? {});
  switch (args.type) {
    case "random:index/randomPassword:RandomPassword":
      return { id: args.name, state: { ...inputs, result: mockSecretValue(args.name) } };
    case "docker-build:index:Image":
      return {
        id: args.name,
        state: {
          ...inputs,
          ref: inputs.tags?.[0] ?? `${args.name}:latest`,
          digest: `sha256:${createHash("sha256").update(args.name).digest("hex")}`,
          contextHash: short(args.name),
        },
      };
  }
  if (args.type.startsWith("kubernetes:") && !args.type.startsWith("pulumi:providers:")) {
    inputs.metadata ??= {};
    const metadata = inputs.metadata;
    // The provider auto-names an object without metadata.name: logical name plus a suffix.
    metadata.name ??= `${args.name}-${short(args.name)}`;
    if (args.type === "kubernetes:core/v1:Service" && inputs.spec?.type === "NodePort") {
      // A stable port from the NodePort range, distinct per Service.
      const base = 30000 + (Number.parseInt(short(args.name), 16) % 2000);
      inputs.spec.ports = inputs.spec.ports.map((port: any, i: number) => ({
        ...port,
        nodePort: port.nodePort ?? base + i,
      }));
    }
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    return { id, state: inputs };
  }
  return { id: `${args.name}-id`, state: inputs };
}
