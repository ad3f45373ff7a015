/**
 * The pull-request report, twice: report.md with everything (the job summary and the artifact)
 * and comment.md, the sticky comment, summary first and always under GitHub's comment limit
 * (65,536 characters): the detail sections go in while they fit, and each one that does not is
 * replaced by a line saying where it is.
 */
import { type PriceTable, priceAge } from "../cost";
import {
  costSection,
  diffSection,
  migrationSection,
  type PreviewCostInput,
  type PreviewResult,
  policySection,
  previewCostLine,
  previewEnvironment,
  priceNotes,
  type StackReport,
  sourcesSection,
  summaryTable,
} from "./sections";

/** The hidden line the workflow finds its own comment by. */
export const COMMENT_MARKER = "<!-- django-k8s-pr-report -->";
/** GitHub refuses a comment body longer than this. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface ReportInput {
  base: string;
  head: string;
  stacks: StackReport[];
  prices: PriceTable;
  today: Date;
  previewCost: PreviewCostInput;
  preview?: PreviewResult;
  migrations?: string;
  scan?: string;
}

function summary(input: ReportInput): string {
  return [
    COMMENT_MARKER,
    "## What this pull request does",
    `\`${input.base}\` → \`${input.head}\`, rendered offline with \`npm run synth\` for each stack.`,
    summaryTable(input.stacks),
    previewCostLine(input.previewCost),
    previewEnvironment(input.preview),
    ...priceNotes(input.prices, priceAge(input.prices, input.today), input.stacks),
  ].join("\n\n");
}

/** The detail sections, most wanted first, as [title, comment form, report form]. */
function sections(input: ReportInput): [string, string, string][] {
  return [
    ["the manifest diff", diffSection(input.stacks, false), diffSection(input.stacks, true)],
    ["the migration plan", migrationSection(input.migrations), migrationSection(input.migrations)],
    [
      "the policy and scanner results",
      policySection(input.stacks, input.scan),
      policySection(input.stacks, input.scan),
    ],
    ["the cost lines", costSection(input.stacks, false), costSection(input.stacks, true)],
  ];
}

export const movedLine = (title: string) =>
  `_${title[0]!.toUpperCase()}${title.slice(1)} did not fit in this comment: it is in the job summary and the \`pr-report\` artifact._`;

/** Parts joined while they fit in `limit`; the first part is always kept (cut itself if it must be). */
export function fitComment(head: string, parts: [string, string][], limit = GITHUB_COMMENT_LIMIT): string {
  const join = (blocks: string[]) => `${blocks.join("\n\n")}\n`;
  const kept = [
    head.length > limit / 2 ? `${head.slice(0, limit / 2)}\n\n${movedLine("the rest of the summary")}` : head,
  ];
  const moved: string[] = [];
  parts.forEach(([title, body], i) => {
    const rest = parts.slice(i + 1).map(([t]) => movedLine(t));
    // Room is kept for the lines of every part after this one, should none of them fit.
    if (join([...kept, body, ...moved, ...rest]).length <= limit) kept.push(body);
    else moved.push(movedLine(title));
  });
  return join([...kept, ...moved]);
}

export function renderReport(input: ReportInput): { comment: string; report: string } {
  const head = summary(input);
  const all = sections(input);
  const comment = fitComment(
    head,
    all.map(([title, short]) => [title, short]),
  );
  const report = `${[head, ...all.map(([, , full]) => full), sourcesSection(input.prices)].join("\n\n")}\n`;
  return { comment, report };
}
