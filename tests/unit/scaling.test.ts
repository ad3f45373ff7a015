/** The scaling helpers: KEDA's Redis connection from the broker URL, disruption budgets. */
import { describe, expect, it } from "vitest";
import { disruptionBudgetSpec, redisConnection } from "../../components/k8s/specs/scaling";

describe("autoscaling helpers", () => {
  it("refuses KEDA queue scaling without a Redis broker", () => {
    expect(() => redisConnection("amqp://guest:guest@rabbit:5672//")).toThrow(
      /^scaling the worker on its queue needs a Redis broker \(redis:\/\/ or rediss:\/\/\); got amqp:\/\/$/,
    );
    expect(redisConnection("rediss://:p%40ss@10.0.0.3:6378/2")).toEqual({
      address: "10.0.0.3:6378",
      databaseIndex: "2",
      password: "p@ss",
      tls: true,
    });
  });

  it("budgets at most one pod down unless told otherwise", () => {
    expect(disruptionBudgetSpec({ a: "b" }, 0)).toMatchObject({ maxUnavailable: 1 });
    expect(disruptionBudgetSpec({ a: "b" }, 2)).toMatchObject({ minAvailable: 2 });
  });
});
