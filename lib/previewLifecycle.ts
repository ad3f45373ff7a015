/**
 * The preview lifecycle's decisions, pure (no engine, no clock, no network): which stacks are
 * previews, when one expires, which ones a sweep destroys and whether a new one fits under the
 * cap. scripts/preview.ts gathers the facts (stacks, update history, open pull requests, now)
 * and acts on these answers; tests/unit/previewLifecycle.test.ts checks them.
 */

/** The config keys of a preview stack that the lifecycle reads (the program validates them). */
export const PREVIEW_KEYS = {
  parent: "previewParent",
  ttlHours: "previewTtlHours",
  max: "previewMax",
} as const;

/** Used when Pulumi.yaml declares no default for the key (the stand-in program, tests). */
export const FALLBACK_DEFAULTS = { ttlHours: 72, max: 5 } as const;

const PREVIEW_STACK = /^pr-([1-9][0-9]{0,8})$/;
const HOUR_MS = 3_600_000;

/** `pr-<number>`: the only name a preview stack may have. */
export function previewStackName(pr: number): string {
  if (!Number.isSafeInteger(pr) || pr < 1) {
    throw new Error(`pull request number: got ${JSON.stringify(pr)}; expected a positive whole number`);
  }
  return `pr-${pr}`;
}

/**
 * The pull request number of a preview stack, or undefined for any other stack (dev, prod,
 * minikube, pr-0, pr-01, pr-12x). A fully qualified name (org/project/pr-12) counts by its last part.
 */
export function parsePreviewStack(name: string): number | undefined {
  const match = PREVIEW_STACK.exec(name.split("/").pop() ?? "");
  return match ? Number(match[1]) : undefined;
}

/** A running preview, as the engine's state tells it. */
export interface Preview {
  stack: string;
  pr: number;
  /** The stack it previews (its previewParent), when known. */
  parent?: string;
  /** End of the last successful update; undefined if it never deployed successfully. */
  lastUpdate: Date | undefined;
  ttlHours: number;
}

/** Every push runs an `up`, so the clock restarts at the last successful update. */
export function expiryOf(preview: Pick<Preview, "lastUpdate" | "ttlHours">): Date | undefined {
  return preview.lastUpdate && new Date(preview.lastUpdate.getTime() + preview.ttlHours * HOUR_MS);
}

/** Expired at `now` or before; a preview that never deployed holds nothing worth keeping. */
export function isExpired(preview: Pick<Preview, "lastUpdate" | "ttlHours">, now: Date): boolean {
  const expiry = expiryOf(preview);
  return expiry === undefined || expiry.getTime() <= now.getTime();
}

export interface SweepPlan {
  /** Destroyed because their TTL ran out. */
  expired: Preview[];
  /** Destroyed because their pull request is no longer open (and not expired already). */
  closed: Preview[];
  keep: Preview[];
}

/**
 * What a sweep destroys: every expired preview, and, when the open pull requests are known,
 * every preview whose pull request is not among them (a missed close event). Without the list
 * nothing is destroyed for being closed: an unknown list is not an empty one.
 */
export function planSweep(previews: readonly Preview[], now: Date, openPrs?: ReadonlySet<number>): SweepPlan {
  const plan: SweepPlan = { expired: [], closed: [], keep: [] };
  for (const preview of byAge(previews)) {
    if (isExpired(preview, now)) plan.expired.push(preview);
    else if (openPrs && !openPrs.has(preview.pr)) plan.closed.push(preview);
    else plan.keep.push(preview);
  }
  return plan;
}

/** Oldest first (never deployed counts as oldest), then by pull request number. */
export function byAge(previews: readonly Preview[]): Preview[] {
  const time = (p: Preview) => p.lastUpdate?.getTime() ?? Number.NEGATIVE_INFINITY;
  return [...previews].sort((a, b) => time(a) - time(b) || a.pr - b.pr);
}

export type CapDecision = { allowed: true; running: number } | { allowed: false; message: string };

/**
 * Whether pull request `pr` may have a preview when `max` may run at once. Its own preview
 * (a push to a pull request that has one) is a renewal and always allowed; a new one is refused
 * when `max` others run, naming them oldest first with their expiry, so the reader knows which
 * to close or when room comes back.
 */
export function checkCap(previews: readonly Preview[], pr: number, max: number): CapDecision {
  const others = previews.filter((p) => p.pr !== pr);
  if (others.length < max || previews.some((p) => p.pr === pr)) {
    return { allowed: true, running: others.length };
  }
  const lines = byAge(others).map(describe);
  return {
    allowed: false,
    message: [
      `preview for pull request #${pr} refused: ${others.length} previews are running and ${PREVIEW_KEYS.max} is ${max}.`,
      "Running, oldest first:",
      ...lines.map((line) => `  ${line}`),
      "Close one of these pull requests (its preview is destroyed on close) or wait for the first expiry, then push again.",
    ].join("\n"),
  };
}

/** One line per preview: stack, pull request, last update, expiry. */
export function describe(preview: Preview): string {
  const expiry = expiryOf(preview);
  const last = preview.lastUpdate ? preview.lastUpdate.toISOString() : "never (no successful update)";
  const ends = expiry ? expiry.toISOString() : "now (never deployed)";
  return `${preview.stack} (PR #${preview.pr}): last update ${last}, expires ${ends}`;
}

/** `1,2, 3` -> {1, 2, 3}; an empty string is no open pull request at all. */
export function parsePrList(raw: string): Set<number> {
  const set = new Set<number>();
  for (const part of raw.split(/[\s,]+/).filter(Boolean)) {
    if (!/^[1-9][0-9]*$/.test(part)) {
      throw new Error(
        `--open-prs: got ${JSON.stringify(part)} in ${JSON.stringify(raw)}; expected pull request numbers separated by commas`,
      );
    }
    set.add(Number(part));
  }
  return set;
}

/** A positive whole number from config or a flag, or a clear error naming where it came from. */
export function positiveInteger(name: string, raw: string | number): number {
  const value = typeof raw === "number" ? raw : /^[0-9]+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name}: got ${JSON.stringify(raw)}; expected a positive whole number`);
  }
  return value;
}

/** The update history entry, the fields read here (the Automation API's UpdateSummary). */
export interface UpdateRecord {
  kind: string;
  result: string;
  endTime?: Date | string;
  startTime?: Date | string;
  config?: Record<string, { value?: string } | undefined>;
}

/**
 * The facts of one preview from its stack's update history (newest first, as the engine lists
 * it): the end of the last successful `update` and the parent it was deployed against. The
 * config is recorded with each update, so a sweep on another machine reads it without the
 * stack's file. The TTL is the parent's setting (previewTtlHours lives on the parent).
 */
export function previewFromHistory(
  stack: string,
  history: readonly UpdateRecord[],
  projectName: string,
): Omit<Preview, "ttlHours"> | undefined {
  const pr = parsePreviewStack(stack);
  if (pr === undefined) return undefined;
  const updates = history.filter((u) => u.kind === "update");
  const last = updates.find((u) => u.result === "succeeded");
  const when = last?.endTime ?? last?.startTime;
  const parentKey = `${projectName}:${PREVIEW_KEYS.parent}`;
  const parent = [last, ...updates].map((u) => u?.config?.[parentKey]?.value).find(Boolean);
  return { stack, pr, parent, lastUpdate: when === undefined ? undefined : new Date(when) };
}
