/**
 * A stopping web pod drops no request (issue 14, point 5): its preStop pause, gunicorn's
 * graceful timeout and the grace period, and every health check that must notice the drain
 * within the pause, all from WEB_DRAIN (the GCP BackendConfig is checked in tests/stack/dataPath.test.ts;
 * the app's own defaults for the pause and the graceful timeout in tests/unit/appContract.test.ts).
 */
import { describe, expect, it } from "vitest";
import {
  ENV,
  WEB_DRAIN,
  type WebDrain,
  webDrainProblems,
  webGraceSeconds,
  webPreStopCommand,
} from "../../components/k8s/djangoApp/appContract";
import { roleSpecs } from "../../components/k8s/djangoApp/appRoles";

const sizes = { cpuRequest: "100m", cpuLimit: "1", memory: "512Mi" };
const web = roleSpecs({ web: { resources: sizes }, worker: { resources: sizes, shutdownSeconds: 60 } }).web;

describe("web's drain on stop", () => {
  it("holds together: each path to the pod notices the drain within the pause", () => {
    expect(webDrainProblems()).toEqual([]);
  });

  it("runs drain.py with the pause before SIGTERM, and gives gunicorn its graceful timeout after it", () => {
    const lifecycle = web.lifecycle as { preStop: { exec: { command: string[] } } };
    expect(lifecycle.preStop.exec.command).toEqual(["python", "/app/config/drain.py", "15"]);
    expect(web.terminationGracePeriodSeconds).toBe(45);
    expect(web.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      WEB_DRAIN.preStopPauseSeconds + WEB_DRAIN.gracefulTimeoutSeconds + 5,
    );
    expect(web.env).toContainEqual({ name: ENV.gunicornGracefulTimeout, value: "25" });
    const probe = web.readinessProbe as { periodSeconds: number; failureThreshold: number };
    expect(probe.periodSeconds * probe.failureThreshold).toBeLessThan(WEB_DRAIN.preStopPauseSeconds);
  });

  const changed = (change: (d: WebDrain) => void): WebDrain => {
    const drain = structuredClone(WEB_DRAIN) as WebDrain;
    change(drain);
    return drain;
  };
  it.each([
    [
      "a load balancer checking too rarely",
      (d: WebDrain) => {
        d.healthCheck.intervalSeconds = 10;
      },
      /health check notices a draining pod after up to 20 s, not within the 15 s pause/,
    ],
    [
      "a readiness probe tolerating too many failures",
      (d: WebDrain) => {
        d.readiness.failureThreshold = 3;
      },
      /readiness probe notices a draining pod after up to 15 s/,
    ],
    [
      "connection draining longer than the pause",
      (d: WebDrain) => {
        d.connectionDrainingSeconds = 30;
      },
      /connection draining \(30 s\) outlasts the 15 s pause/,
    ],
    [
      "a health check timeout above its interval",
      (d: WebDrain) => {
        d.healthCheck.timeoutSeconds = 6;
      },
      /timeout exceeds its interval/,
    ],
  ])("catches %s", (_, change, message) => {
    const drain = changed(change);
    expect(webDrainProblems(drain).join("\n")).toMatch(message);
  });

  it("derives the hook and the grace period from the same numbers", () => {
    const longer = changed((d) => {
      d.preStopPauseSeconds = 20;
    });
    expect(webPreStopCommand(longer)).toEqual(["python", "/app/config/drain.py", "20"]);
    expect(webGraceSeconds(longer)).toBe(50);
  });
});
