/** The stateful-data-protected policy, called directly: prod's data cannot be removed; dev's may be. */
import { describe, expect, it } from "vitest";
import { named, violations } from "../support/policyCheck";

const policy = named("stateful-data-protected");
const required = { requireDeletionProtection: true };
const PROTECTED = { protect: true };

// Each stateful type as prod renders it.
const GUARDED: [string, Record<string, any>][] = [
  [
    "gcp:sql/databaseInstance:DatabaseInstance",
    { deletionProtection: true, settings: { deletionProtectionEnabled: true } },
  ],
  ["gcp:sql/database:Database", { deletionPolicy: "PREVENT" }],
  ["gcp:sql/user:User", { deletionPolicy: "PREVENT" }],
  [
    "gcp:redis/instance:Instance",
    { deletionProtection: true, persistenceConfig: { persistenceMode: "RDB" } },
  ],
  ["gcp:storage/bucket:Bucket", { forceDestroy: false, deletionPolicy: "PREVENT" }],
];

describe("stateful-data-protected", () => {
  it.each(GUARDED)("passes a protected %s", (type, props) => {
    expect(violations(policy, type, props, required, PROTECTED)).toEqual([]);
  });

  it.each(GUARDED)("rejects %s without Pulumi's protect", (type, props) => {
    expect(violations(policy, type, props, required, { protect: false })).toEqual([
      "subject: is not protected (Pulumi's protect option)",
    ]);
  });

  it.each([
    [
      "gcp:sql/databaseInstance:DatabaseInstance",
      { settings: {} },
      /deletionProtection off.*settings.deletionProtectionEnabled/,
    ],
    ["gcp:sql/database:Database", {}, /deletionPolicy unset, not PREVENT/],
    ["gcp:sql/user:User", { deletionPolicy: "ABANDON" }, /deletionPolicy ABANDON, not PREVENT/],
    ["gcp:redis/instance:Instance", { deletionProtection: true }, /keeps no RDB snapshots/],
    ["gcp:storage/bucket:Bucket", { forceDestroy: true, deletionPolicy: "PREVENT" }, /force-destroyable/],
  ])("rejects %s without the provider's guard", (type, props, message) => {
    expect(violations(policy, type, props, required, PROTECTED).join()).toMatch(message);
  });

  it("asks nothing where it is not required (dev), and nothing of other types", () => {
    expect(violations(policy, "gcp:sql/database:Database", {}, {}, {})).toEqual([]);
    expect(violations(policy, "gcp:compute/network:Network", {}, required, {})).toEqual([]);
  });
});
