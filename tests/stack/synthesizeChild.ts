/**
 * Runs in a child process forked by globalSetup.ts: runs the program under mocks for each
 * configuration it is sent, one at a time, and sends each run back over the IPC channel (in
 * memory, never to disk: the runs carry secrets in clear). A child that meets a failing program
 * reports it and exits, because a failed run can leave registrations in flight that would land
 * in the next run; globalSetup starts a fresh child for the rest.
 */
import { runProgram } from "../../synth/harness";
import type { ChildResult, Job } from "./globalSetup";

// @pulumi/pulumi captures a stack trace for every promise it makes (debuggablePromise, for a
// leak report these runs never print); formatting them through tsx's source maps is over half
// of a run's time. Without them a failure still says what went wrong, and the failure message
// names the `npm run synth` command that shows where.
process.setSourceMapsEnabled(false);
Error.stackTraceLimit = 0;

const send = (message: ChildResult) =>
  new Promise<void>((resolve) => process.send!(message, undefined, undefined, () => resolve()));

/** The configuration being run, if any: the one a failure belongs to. */
let current: string | undefined;
const fail = async (error: unknown) => {
  if (current) await send({ key: current, failure: String(error) });
  process.exit(1);
};
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

process.on("message", async ({ key, stack, overrides, parentOverrides }: Job) => {
  current = key;
  try {
    const run = await runProgram(stack, overrides, undefined, parentOverrides);
    current = undefined;
    await send({ key, run });
  } catch (error) {
    await fail(error);
  }
});
// Ends when globalSetup closes the IPC channel.
process.on("disconnect", () => process.exit(0));
