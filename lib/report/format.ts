/** Money, ranges and small Markdown pieces the report's sections share. */
import type { MonthlyCost } from "../cost";

export const usd = (value: number) =>
  `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** "$21.64" or "$21.64–$64.93". */
export const range = (low: number, high: number) =>
  usd(low) === usd(high) ? usd(low) : `${usd(low)}–${usd(high)}`;

const signed = (value: number) =>
  Math.abs(value) < 0.005 ? "$0.00" : `${value > 0 ? "+" : "−"}${usd(Math.abs(value))}`;

/** After minus before, low against low and high against high. */
export function difference(before: MonthlyCost | undefined, after: MonthlyCost | undefined): string {
  if (!before || !after) return "n/a";
  const [low, high] = [after.low - before.low, after.high - before.high];
  return signed(low) === signed(high) ? signed(low) : `${signed(low)} to ${signed(high)}`;
}

/** A cost cell: the range, marked when some item could not be priced (the figure is a floor). */
export const costCell = (cost: MonthlyCost | undefined) =>
  cost ? `${range(cost.low, cost.high)}${cost.unknown.length ? " + unpriced" : ""}` : "n/a";

/** A Markdown table from a header row and rows; pipes in cells are escaped. */
export function table(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  return [header, header.map(() => "---"), ...rows]
    .map((row) => `| ${row.map(cell).join(" | ")} |`)
    .join("\n");
}

/** A collapsed block: GitHub renders Markdown inside once a blank line follows the summary. */
export const details = (summary: string, body: string) =>
  `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
