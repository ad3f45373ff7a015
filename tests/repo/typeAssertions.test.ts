import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");
/** Where resources are declared: types there say what they mean, with no cast to override them. */
const TYPED_DIRS = ["components", "stacks"];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

/** Every `x as T` and `<T>x` in a file, `as const` aside, as file:line. */
export function typeAssertions(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    const asserted = ts.isAsExpression(node) || ts.isTypeAssertionExpression(node);
    const isConst = asserted && node.type.getText(source) === "const";
    if (asserted && !isConst) {
      found.push(
        `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.getText(source)}`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("type assertions", () => {
  it("find a cast and leave `as const` alone", () => {
    expect(typeAssertions("x.ts", "const a = b as Record<string, number>;\nconst c = [1] as const;")).toEqual(
      ["x.ts:1 b as Record<string, number>"],
    );
  });

  it("are none in components/ and stacks/", () => {
    const files = TYPED_DIRS.flatMap(tsFiles);
    expect(files.length).toBeGreaterThan(40);
    expect(
      files.flatMap((file) => typeAssertions(file, fs.readFileSync(path.join(ROOT, file), "utf8"))),
    ).toEqual([]);
  });
});
