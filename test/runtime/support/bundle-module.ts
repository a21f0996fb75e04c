/**
 * @module Test support: bundles a TypeScript source module into one ESM file
 * that a plain `node` child process can import, so tests can run our code in
 * a real separate process.
 */
import { join } from "node:path";
import { build } from "rolldown";

const root = join(import.meta.dirname, "..", "..", "..");

/** Bundles `src/<relPath>` to `<outDir>/<name>.mjs` and returns the output path. */
export async function bundleModule(relPath: string, outDir: string, name: string): Promise<string> {
  const file = join(outDir, `${name}.mjs`);
  await build({
    input: join(root, "src", relPath),
    platform: "node",
    logLevel: "silent",
    resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
    output: { file, format: "esm" },
  });
  return file;
}
