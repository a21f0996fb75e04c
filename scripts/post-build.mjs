// Marks the CLI entry points executable after tsc writes them.
import { chmodSync, existsSync } from "node:fs";
for (const bin of ["dist/src/cli/main.js", "dist/src/cli/orchestratord.js"]) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
