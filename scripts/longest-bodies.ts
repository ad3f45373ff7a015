/**
 * The longest function bodies in the program (everything but tests and the app), longest
 * first, with their line counts: a body past BODY_LIMIT lines is usually several steps that
 * want names. tests/repo/bodyLength.test.ts holds the program to the limit.
 *
 *   npx tsx scripts/longest-bodies.ts [count]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.join(__dirname, "..");
/** Where the program's TypeScript lives. */
export const PROGRAM_DIRS = [
  "index.ts",
  "stacks",
  "components",
  "lib",
  "synth",
  "policy",
  "bootstrap",
  "scripts",
  "cluster",
];
export const BODY_LIMIT = 60;

export interface Body {
  lines: number;
  /** file:line name */
  where: string;
}

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isDirectory())
    return fs.readdirSync(full).flatMap((child) => sourceFiles(path.join(entry, child)));
  return entry.endsWith(".ts") ? [entry] : [];
}

function bodiesOf(file: string): Body[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(path.join(ROOT, file), "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const line = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const found: Body[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const body = node.body as ts.Node;
      const name = ts.isConstructorDeclaration(node)
        ? "constructor"
        : (node.name?.getText(source) ?? "<anonymous>");
      found.push({
        lines: line(body.getEnd()) - line(body.getStart(source)) + 1,
        where: `${file}:${line(body.getStart(source)) + 1} ${name}`,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every function body of the program, longest first. */
export function longestBodies(): Body[] {
  return PROGRAM_DIRS.flatMap(sourceFiles)
    .flatMap(bodiesOf)
    .sort((a, b) => b.lines - a.lines || a.where.localeCompare(b.where));
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 15);
  for (const { lines, where } of longestBodies().slice(0, count))
    console.log(`${String(lines).padStart(4)} ${where}`);
}
