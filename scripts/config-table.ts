/** Prints the README's configuration table from Pulumi.yaml: `npx tsx scripts/config-table.ts`. */
import { projectConfigSchema } from "../stacks/config";

for (const [key, entry] of Object.entries(projectConfigSchema())) {
  console.log(`| \`${key}\` | ${entry.type} | \`${JSON.stringify(entry.default)}\` | ${entry.description} |`);
}
