/**
 * @module The `self_restart` builtin, as upstream's: in a workspace that is
 * a checkout of this orchestrator, rebuild it (`npm run build`), check the
 * new build answers (`node dist/src/cli/main.js --help`), keep it as the
 * stable build (the binary snapshot), then restart onto it. Node cannot
 * replace its own process image as upstream's `exec()` does, so the restart
 * is a handover: the task goes back on the queue with the step recorded as
 * done, the controller stops (running tasks are queued again, as at any
 * stop), releases its lock and starts a new controller from the rebuilt CLI,
 * which resumes the task after the step. Where no controller runs the task
 * (`orchestrator run` in its own process), the task is queued and `run`
 * starts a controller from the new build unless daemons are off.
 *
 * A workspace that is not a checkout of this orchestrator has nothing to
 * restart into: the step fails without running.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { shellWord, type SelfTestPlan } from "./self-test.js";

/** The CLI entry of a checkout, relative to its root. */
export const CHECKOUT_ENTRY = "dist/src/cli/main.js";

/** Where in a task's state the restart waiting to be verified is kept. */
export const SELF_RESTART_KEY = "selfRestart";

export interface RestartRequest {
  taskId: string;
  /** The rebuilt CLI entry the restarted controller runs. */
  entry: string;
}

let ownName: string | undefined;

/** This orchestrator's package name (from its own package.json), which a checkout must carry. */
export function orchestratorPackageName(): string {
  // dist/src/engine/runner/ when built, src/engine/runner/ when run from source.
  for (const up of ["../../../../package.json", "../../../package.json"]) {
    if (ownName !== undefined) break;
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as { name?: unknown; bin?: Record<string, unknown> };
      if (typeof pkg.name === "string" && pkg.bin && "orchestrator" in pkg.bin) ownName = pkg.name;
    } catch {
      // not there: the other layout
    }
  }
  return (ownName ??= "orchestrator");
}

export interface SelfRestartPlan extends SelfTestPlan {
  entry: string;
}

/** The phases of `self_restart` in the workspace at `root`, or why it cannot restart from there. */
export function selfRestartPlan(root: string): SelfRestartPlan | { problem: string } {
  const path = join(root, "package.json");
  const name = orchestratorPackageName();
  let pkg: { name?: unknown; scripts?: Record<string, unknown> } | undefined;
  try {
    pkg = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as typeof pkg) : undefined;
  } catch {
    pkg = undefined;
  }
  if (!pkg || pkg.name !== name) {
    return { problem: `self_restart rebuilds and restarts this orchestrator from the workspace, but ${root} is not a checkout of it (no package.json named '${name}'); use self_test to build and test another project` };
  }
  if (typeof pkg.scripts?.["build"] !== "string") return { problem: `package.json in ${root} has no build script, so self_restart cannot rebuild the orchestrator` };
  const entry = join(root, CHECKOUT_ENTRY);
  return {
    entry,
    phases: [
      { name: "build", command: "npm run build" },
      { name: "verify", command: `${shellWord(process.execPath)} ${shellWord(entry)} --help >/dev/null` },
    ],
  };
}

/** Whether `entry` is the CLI this process runs (`running`). */
export function sameEntry(entry: string, running: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(entry) === real(running);
}
