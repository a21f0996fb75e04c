// Builds the web view's front end (web/) into dist/web/: one script and one
// stylesheet, minified, named by content hash, and the page that loads them.
// Everything the page needs ships in the package; nothing comes from a CDN.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/web");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "assets"), { recursive: true });

const result = await build({
  entryPoints: { app: join(root, "web/src/main.tsx") },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  outdir: join(out, "assets"),
  entryNames: "[name]-[hash]",
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith(".js"));
const css = outputs.find((f) => f.endsWith(".css"));
if (!js || !css) throw new Error(`the web build made no script or no stylesheet: ${outputs.join(", ")}`);
const page = readFileSync(join(root, "web/index.html"), "utf8").replace("%JS%", `/assets/${js}`).replace("%CSS%", `/assets/${css}`);
writeFileSync(join(out, "index.html"), page);
// A stable name for the login page, which is served before any script runs.
writeFileSync(join(out, "assets/app.css"), readFileSync(join(out, "assets", css)));
