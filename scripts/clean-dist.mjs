// Before tsc: empty dist/ so a build never ships files of an earlier one
// (source maps from before they were turned off, modules since removed).
import { rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
