/**
 * @module `orchestrator init`: create the `.orchestrator` store.
 */
import { relative } from "node:path";
import { initHome } from "../../store/home.js";
import { writeOut } from "../output/io.js";

export function initCommand(): void {
  const cwd = process.cwd();
  const { home, created } = initHome(cwd, process.env);
  const shown = relative(cwd, home.dir) || home.dir;
  writeOut(created ? `initialized store in ${shown}\n` : `store already initialized in ${shown}\n`);
}
