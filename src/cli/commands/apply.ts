/**
 * @module `orchestrator apply -f`: validate the whole set, then write it in
 * one transaction (planned inside it), printing one line per resource as
 * kubectl does. The same pipeline as `sync` and `watch`, applied as `cli`.
 */
import { loadManifestPaths } from "../../resources/load.js";
import { Reason } from "../../reconcile/conditions.js";
import type { PlannedAction } from "../../reconcile/plan.js";
import { runPipeline } from "../../reconcile/pipeline.js";
import { queueingHooks } from "../../runtime/engine-hook.js";
import { withStore } from "../context.js";
import { packageVersion } from "./version.js";
import { CliError } from "../errors.js";
import { printDiagnostics } from "../output/diagnostics.js";
import type { JsonValue } from "../../resources/types.js";
import type { OutputFormat } from "../output/format.js";
import { writeErr, writeOut } from "../output/io.js";
import { printMachine } from "../output/printer.js";
import { startProgress } from "../output/progress.js";

export interface ApplyOptions {
  filename: string[];
  dryRun?: boolean;
  project?: string;
  prune?: boolean;
  /** `--no-daemon`: queue committed Tasks and Runs without starting a controller. */
  daemon?: boolean;
  output?: OutputFormat | "text" | "json";
}

export function actionLine(a: Pick<PlannedAction, "key" | "verb" | "drift">, dryRun: boolean): string {
  return `${a.key.kind.toLowerCase()}/${a.key.name} ${a.verb}${a.drift ? " (drift corrected)" : ""}${dryRun ? " (dry run)" : ""}`;
}

/** `10000 created, 0 configured, 0 unchanged` (and pruned, when any were). */
export function countLine(actions: readonly Pick<PlannedAction, "verb">[]): string {
  const n = (verb: string): number => actions.filter((a) => a.verb === verb).length;
  return `${n("created")} created, ${n("configured")} configured, ${n("unchanged")} unchanged${n("pruned") ? `, ${n("pruned")} pruned` : ""}`;
}

export async function applyCommand(opts: ApplyOptions): Promise<void> {
  await withStore(async ({ store, home, cwd }) => {
    const progress = startProgress("apply");
    progress.update("reading files");
    const loaded = loadManifestPaths(opts.filename, cwd);
    const engine = queueingHooks(store, home);
    const result = await runPipeline({
      hooks: engine.hooks,
      store,
      home,
      files: loaded.files,
      readDiagnostics: loaded.diagnostics,
      appliedBy: "cli",
      memo: { version: packageVersion() },
      prune: opts.prune ? "kinds" : "none",
      dryRun: !!opts.dryRun,
      onPhase: (phase) => progress.update(`${phase} ${loaded.files.length} file${loaded.files.length === 1 ? "" : "s"}`),
      ...(opts.project ? { project: opts.project } : {}),
    });
    const long = progress.done();
    printDiagnostics(result.diagnostics);
    if (!result.ok && !result.committed) {
      throw new CliError(result.reason === Reason.ValidationFailed ? result.message : `apply failed, nothing was written: ${result.message}`);
    }
    const view = {
      dryRun: !!opts.dryRun,
      results: result.actions.map((a) => ({ project: a.key.project, kind: a.key.kind, name: a.key.name, action: a.verb })),
      diagnostics: result.diagnostics as unknown as JsonValue[],
    };
    if (typeof opts.output === "object" && opts.output.type === "name") {
      // As `kubectl apply -o name`: what was touched, in the form get and delete take back.
      writeOut(result.actions.map((a) => `${a.key.kind.toLowerCase()}/${a.key.name}\n`).join(""));
    } else if (!printMachine("ApplyResult", view, opts.output)) {
      writeOut(result.actions.map((a) => actionLine(a, !!opts.dryRun) + "\n").join(""));
      // After a long apply on a terminal, the lines above have scrolled away: say what they added up to.
      if (long) writeOut(`${countLine(result.actions)}${opts.dryRun ? " (dry run)" : ""}\n`);
    }
    for (const line of await engine.settle({ noDaemon: opts.daemon === false })) writeErr(`${line}\n`);
    if (!result.ok) throw new CliError(`applied, but ${result.message}`);
  });
}
