// `npm run bench`: runs every benchmark (or those named on the command line)
// and prints each figure as a ratio to the baseline measured in the same run.
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { allResults } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
for (const f of files) {
  const mod = await import(`./${f}`);
  await mod.run();
}
const missed = allResults().filter((r) => !r.ok);
const overTarget = missed.filter((r) => r.kind !== "aim");
const overAim = missed.filter((r) => r.kind === "aim");
console.log(overTarget.length ? `${overTarget.length} figure(s) over target` : "all figures within target");
if (overAim.length) console.log(`${overAim.length} figure(s) over aim: ${overAim.map((r) => r.name).join("; ")}`);
process.exitCode = overTarget.length ? 1 : 0;
