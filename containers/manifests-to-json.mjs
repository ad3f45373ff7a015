// The rendered manifests (out/<stack>/manifests/*.yaml) as one JSON array, for the container
// test's Python harness: it reads the objects with their final names (resources.json lacks the
// names Pulumi generates for ConfigMaps and Secrets) and the venv has no YAML parser.
// Usage: node containers/manifests-to-json.mjs <manifests-dir> > objects.json
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node containers/manifests-to-json.mjs <manifests-dir>");
  process.exit(2);
}
const objects = readdirSync(dir)
  .filter((file) => file.endsWith(".yaml"))
  .sort()
  .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => doc.toJS()))
  .filter(Boolean);
process.stdout.write(`${JSON.stringify(objects)}\n`);
