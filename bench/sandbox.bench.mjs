// The cost of the sandbox boundary: a Run of 50 command steps under a
// `mode: sandbox` profile (scoped writes, no network) against the same Run
// with no profile (on the host), each as the Run records it, median of three
// (aim: 1.5x); and, for scale, bubblewrap's own cost out of the engine: the
// command line the engine builds for that profile, and the namespaces alone
// (the least any bubblewrap sandbox with its own network costs).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cli, median, report, reportAim, reportValue, ROOT, tempDir } from "./lib.mjs";

const dist = (path) => import(pathToFileURL(join(ROOT, "dist/src", path)).href);

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

/** The launcher the engine puts around a step of the `boxed` profile in `dir`, as it builds it. */
async function engineLauncher(dir) {
  const { openBoundary } = await dist("sandbox/boundary.js");
  const { profileFromSpec } = await dist("sandbox/profile.js");
  const home = join(dir, ".orchestrator");
  const profile = profileFromSpec("boxed", { mode: "sandbox", fs_mode: "workspace_rw_scoped", writable_paths: ["out"], network_mode: "deny" });
  const boundary = await openBoundary({ profile, runId: "bench", workspace: dir, home, secretKey: join(home, "secret.key"), secrets: [join(home, "secret-keys")], reveal: [] });
  await boundary.close();
  return boundary.launcher;
}

function timed(file, args) {
  const xs = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = spawnSync(file, args, { stdio: "ignore" });
    if (r.status !== 0) throw new Error(`${file} failed`);
    xs.push(performance.now() - t0);
  }
  return median(xs) * STEPS;
}
const shMs = () => timed("/bin/sh", ["-c", "true"]);
const launcherMs = ([file, ...args]) => timed(file, [...args, "/bin/sh", "-c", "true"]);
const NAMESPACES_ONLY = ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--"];

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
    // An aim, not a target: bubblewrap's namespaces cost a few milliseconds a step, more on a loaded host.
    reportAim(`a Run of ${STEPS} command steps in a sandbox (bubblewrap, scoped writes, no network) vs on the host`, median(boxed), median(host), 1.5);
    // For information: what one sandbox costs, out of the engine: bubblewrap against a plain shell.
    const sh = shMs();
    report(`${STEPS} times the engine's bubblewrap command line for that profile around \`/bin/sh -c true\` vs the shell alone`, launcherMs(await engineLauncher(dir)), sh);
    report(`${STEPS} times bubblewrap with its namespaces only (--unshare-all, / read-only) around the same vs the shell alone`, launcherMs(NAMESPACES_ONLY), sh);
    // Once per engine process (kept 30 s), started as a sandboxed task loads.
    const { forgetHostProbe, probeHost } = await dist("sandbox/host-probe.js");
    const probes = [];
    for (let i = 0; i < 5; i++) {
      forgetHostProbe();
      const t0 = performance.now();
      probeHost();
      probes.push(performance.now() - t0);
    }
    reportValue("the sandbox host probe (once per engine process, kept 30 s)", median(probes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
