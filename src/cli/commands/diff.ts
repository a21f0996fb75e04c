/**
 * @module `orchestrator diff`: what applying would change, per resource
 * and field, with every error and warning of the new side.
 *
 * - `diff [SOURCE...]`: configured sources against the store (git fetched first);
 * - `diff -f PATH...`: files against the store, as `apply -f` would change it;
 * - `diff --from REF --to REF [--path DIR]`: two commits of the repository
 *   in the current directory (needs no store) — what CI runs on a pull request.
 *
 * Exit 0 when nothing differs, 1 when something does, 2 on errors (as `kubectl diff`).
 */
import type { Diagnostic } from "../../resources/diagnostics.js";
import { hasErrors } from "../../resources/diagnostics.js";
import { loadManifestPaths } from "../../resources/load.js";
import { diffCommits, diffFiles, diffSources, type DiffReport } from "../../reconcile/diff-plan.js";
import { diffReportJson, failureLine, hasChanges, renderDiffMarkdown, renderDiffText } from "../../reconcile/diff/index.js";
import { GitSourceError } from "../../reconcile/git/errors.js";
import { UnknownSourceError } from "../../reconcile/reconcile-sources.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { printDiagnostics } from "../output/diagnostics.js";
import { externalDiffCommand, runExternalDiff } from "../output/external-diff.js";
import type { OutputFormat } from "../output/format.js";
import { useColor, writeErr, writeOut } from "../output/io.js";
import { formatName, printMachine } from "../output/printer.js";
import { startProgress } from "../output/progress.js";

export interface DiffOptions {
  filename?: string[];
  from?: string;
  to?: string;
  path?: string;
  project?: string;
  prune?: boolean;
  output?: OutputFormat | "text" | "markdown" | "json";
}

/** Exit code for errors: the diff is printed, but the new side is not valid or a source failed. */
const EXIT_ERROR = 2;

export async function diffCommand(sources: string[], opts: DiffOptions): Promise<void> {
  const mode = modeOf(sources, opts);
  const progress = startProgress("diff");
  progress.update(mode === "commits" ? `${opts.from}..${opts.to}` : mode === "files" ? "files against the store" : "sources against the store");
  let report: DiffReport;
  let title = "orchestrator diff";
  try {
    if (mode === "commits") {
      const r = await diffCommits({ repoDir: process.cwd(), from: opts.from!, to: opts.to!, ...(opts.path ? { path: opts.path } : {}) });
      report = r;
      title = `orchestrator diff ${opts.from}..${opts.to} (${r.fromCommit.slice(0, 12)}..${r.toCommit.slice(0, 12)})`;
    } else if (mode === "files") {
      report = await withStore(({ store, cwd, home }) => {
        const loaded = loadManifestPaths(opts.filename!, cwd);
        return diffFiles(store, loaded.files, loaded.diagnostics, { ...(opts.project ? { project: opts.project } : {}), prune: !!opts.prune, home });
      });
    } else {
      report = await withStore(({ store, home }) => diffSources(home, store, sources));
    }
  } catch (err) {
    if (err instanceof UnknownSourceError) throw new CliError(err.message, EXIT_ERROR);
    if (err instanceof GitSourceError) throw new CliError(err.message, EXIT_ERROR);
    if (err instanceof CliError) throw new CliError(err.message, Math.max(err.exitCode, EXIT_ERROR));
    throw err;
  } finally {
    progress.done();
  }

  const output = formatName(opts.output);
  const external = output === "text" ? externalDiffCommand() : undefined;
  if (external) {
    runExternal(external, report, mode === "commits" ? { from: "from", to: "to" } : { from: "live", to: "desired" });
    return;
  }
  // json, yaml and jsonpath= see the same `kind: DiffReport`; text and markdown are for people.
  const human = output === "text" || output === "markdown";
  if (human || !printMachine("DiffReport", diffReportJson(report.diffs, report.diagnostics, { failures: report.failures }), opts.output)) {
    writeOut(render(report, output === "markdown" ? "markdown" : "text", title));
  }
  for (const n of report.notes) writeErr(`note: ${n}\n`);
  // The text report lists failures itself; with -o json or markdown stdout is an artifact, so a CI log gets them on stderr too.
  if (output !== "text") for (const f of report.failures) writeErr(`error: ${failureLine(f)}\n`);
  process.exitCode = report.failures.length > 0 || hasErrors(report.diagnostics) ? EXIT_ERROR : hasChanges(report.diffs) ? 1 : 0;
}

/**
 * ORCHESTRATOR_EXTERNAL_DIFF: the program shows the resources; what it cannot
 * show (errors, warnings, failures) goes to stderr. Exit codes as without it;
 * a program that fails (status over 1, or not started) is an error.
 */
function runExternal(command: string[], report: DiffReport, labels: { from: string; to: string }): void {
  for (const f of report.failures) writeErr(`error: ${failureLine(f)}\n`);
  printDiagnostics(report.diagnostics);
  for (const n of report.notes) writeErr(`note: ${n}\n`);
  const r = runExternalDiff(command, report.diffs.filter((d) => d.action !== "unchanged"), labels);
  if (r.error || r.status > 1) {
    writeErr(`error: ${r.error ?? `${command.join(" ")} exited with status ${r.status}`}\n`);
    process.exitCode = EXIT_ERROR;
    return;
  }
  process.exitCode = report.failures.length > 0 || hasErrors(report.diagnostics) ? EXIT_ERROR : hasChanges(report.diffs) ? 1 : 0;
}

function modeOf(sources: readonly string[], opts: DiffOptions): "commits" | "files" | "sources" {
  const commits = opts.from !== undefined || opts.to !== undefined;
  if (commits && (opts.from === undefined || opts.to === undefined)) throw new UsageError("--from and --to go together: diff --from REF --to REF");
  if (commits && opts.filename) throw new UsageError("give either -f PATH or --from/--to, not both");
  if ((commits || opts.filename) && sources.length) throw new UsageError("source names apply only to `diff [SOURCE...]`, not with -f or --from/--to");
  if (opts.path !== undefined && !commits) throw new UsageError("--path applies to --from/--to");
  if ((opts.prune || opts.project) && !opts.filename) throw new UsageError("--prune and --project apply to -f");
  return commits ? "commits" : opts.filename ? "files" : "sources";
}

function render(report: DiffReport, output: "text" | "markdown", title: string): string {
  const diagnostics: readonly Diagnostic[] = report.diagnostics;
  const failures = report.failures;
  if (output === "markdown") return renderDiffMarkdown(report.diffs, diagnostics, { title, failures });
  return renderDiffText(report.diffs, diagnostics, { color: useColor(), failures });
}
