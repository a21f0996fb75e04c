/**
 * @module `orchestrator check`: cross-reference the stored set, and say per
 * ExecutionProfile what this host enforces (a warning for each it cannot).
 */
import { checkReferences } from "../../resources/crossref.js";
import { hasErrors } from "../../resources/diagnostics.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { countBySeverity, plural, printDiagnostics } from "../output/diagnostics.js";
import type { JsonValue } from "../../resources/types.js";
import type { OutputFormat } from "../output/format.js";
import { writeOut } from "../output/io.js";
import { printMachine } from "../output/printer.js";
import { probeHost } from "../../sandbox/host-probe.js";
import { profileReports, profileReportsJson, profileWarnings, renderProfileReports } from "../output/profile-report.js";

export async function checkCommand(opts: { workflow?: string; project?: string; output?: OutputFormat | "text" | "json" }): Promise<void> {
  await withStore(({ store }) => {
    const all = store.listResources({ allProjects: true }).map((r) => ({
      resource: r,
      project: r.metadata.project,
      ...(r.origin.file ? { file: r.origin.file } : {}),
      ...(r.origin.line ? { line: r.origin.line } : {}),
    }));
    if (opts.workflow && !all.some((r) => r.resource.kind === "Workflow" && r.resource.metadata.name === opts.workflow && (!opts.project || r.project === opts.project))) {
      throw new CliError(`workflow/${opts.workflow} not found${opts.project ? ` in project '${opts.project}'` : ""}`);
    }
    const profiles = opts.workflow
      ? []
      : store.listResources({ kind: "ExecutionProfile", ...(opts.project ? { project: opts.project } : { allProjects: true }) });
    const caps = probeHost();
    const reports = profileReports(profiles, caps);
    const ds = [...checkReferences(all, opts), ...profileWarnings(reports)];
    const { errors, warnings } = countBySeverity(ds);
    const report = { ok: errors === 0, errors: ds.filter((d) => d.severity === "error") as unknown as JsonValue[], warnings: ds.filter((d) => d.severity === "warning") as unknown as JsonValue[], sandbox: profileReportsJson(reports, caps) as unknown as JsonValue };
    if (!printMachine("CheckReport", report, opts.output)) {
      printDiagnostics(ds);
      writeOut(renderProfileReports(reports, caps));
      writeOut(`${reports.length ? "\n" : ""}${errors === 0 ? "check passed" : "check failed"}: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
    }
    if (hasErrors(ds)) process.exitCode = 1;
  });
}
