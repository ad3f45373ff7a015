import { describe, expect, it } from "vitest";
import { BODY_LIMIT, longestBodies } from "../../scripts/longest-bodies";

describe("function bodies", () => {
  it(`stay within ${BODY_LIMIT} lines in the program`, () => {
    const bodies = longestBodies();
    expect(bodies.length).toBeGreaterThan(100);
    expect(bodies.filter((body) => body.lines > BODY_LIMIT)).toEqual([]);
  });
});
