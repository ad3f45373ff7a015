import { describe, expect, it } from "vitest";
import { mapValues } from "../../lib/records";

describe("mapValues", () => {
  it("keeps every key and maps each value with its key, in the record's order", () => {
    const seen: string[] = [];
    const mapped = mapValues(
      { compute: "compute.googleapis.com", sql: "sqladmin.googleapis.com" },
      (value, key) => {
        seen.push(key);
        return `${key}=${value.split(".")[0]}`;
      },
    );
    expect(mapped).toEqual({ compute: "compute=compute", sql: "sql=sqladmin" });
    expect(seen).toEqual(["compute", "sql"]);
  });
});
