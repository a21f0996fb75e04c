// The cost of the sandbox boundary: a Run of 50 command steps under a
// `mode: sandbox` profile (scoped writes, no network) against the same Run
// with no profile (on the host), each as the Run records it, median of three.
import { rmSync } from "node:fs";
import { cli, median, report, tempDir } from "./lib.mjs";

const STEPS = 50;

function manifest() {
  const steps = (profile) => Array.from({ length: STEPS }, (_, i) => `    - id: s${i}\n      command: "true"\n${profile ? `      execution_profile: ${profile}\n` : ""}`).join("");
  return [
    `apiVersion: orchestrator.dev/v2\nkind: Workspace\nmetadata:\n  name: w\nspec:\n  root_path: "."\n`,
    `apiVersion: orchestrator.dev/v2\nkind: ExecutionProfile\nmetadata:\n  name: boxed\nspec:\n  mode: sandbox\n  fs_mode: workspace_rw_scoped\n  writable_paths: [out]\n  network_mode: deny\n`,
    `apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: host\nspec:\n  steps:\n${steps()}`,
    `apiVersion: orchestrator.dev/v2\nkind: Workflow\nmetadata:\n  name: boxed\nspec:\n  steps:\n${steps("boxed")}`,
  ].join("---\n");
}

/** The Run's own time, from its task starting to its last step finishing. */
function runMs(dir, workflow) {
  const out = cli(["run", "--workflow", workflow, "-o", "json"], dir).stdout.trim().split("\n").at(-1);
  const id = JSON.parse(out).id;
  const task = JSON.parse(cli(["task", "info", id, "-o", "json"], dir).stdout).task;
  if (task.phase !== "Completed") throw new Error(`run of ${workflow} ended ${task.phase}: ${task.message}`);
  return Date.parse(task.finishedAt) - Date.parse(task.startedAt);
}

export async function run() {
  const dir = tempDir();
  try {
    cli(["init"], dir);
    cli(["apply", "-f", "-"], dir, manifest());
    // One of each first: the sandbox probe and the page cache are not the boundary's cost per step.
    runMs(dir, "host");
    runMs(dir, "boxed");
    const host = [];
    const boxed = [];
    for (let i = 0; i < 3; i++) {
      host.push(runMs(dir, "host"));
      boxed.push(runMs(dir, "boxed"));
    }
    report(`a Run of ${STEPS} command steps in a sandbox (bubblewrap, scoped writes, no network) vs on the host`, median(boxed), median(host), 1.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
