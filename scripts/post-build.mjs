// After tsc: marks the CLI entry points executable and writes the JSON
// Schemas editors read into schemas/ (shipped in the package), generated
// from the same definitions the validator compiles.
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

for (const bin of ["dist/src/cli/main.js", "dist/src/cli/orchestratord.js"]) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}

const { publishedSchemaFiles } = await import("../dist/src/resources/schemas/publish.js");
const dir = "schemas";
mkdirSync(dir, { recursive: true });
const files = publishedSchemaFiles();
const keep = new Set(files.map((f) => f.file));
for (const old of readdirSync(dir)) if (old.endsWith(".json") && !keep.has(old)) rmSync(join(dir, old));
for (const { file, schema } of files) writeFileSync(join(dir, file), JSON.stringify(schema, null, 2) + "\n");
