/**
 * @module `orchestrator apply -f`: validate the whole set, then write it in
 * one transaction, printing one line per resource as kubectl does.
 */
import { hasErrors } from "../../resources/diagnostics.js";
import { registryWith } from "../../resources/crd-kinds.js";
import { loadDesiredSet } from "../../reconcile/desired-set.js";
import { changesOf, planChanges, type PlannedAction } from "../../reconcile/plan.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { countBySeverity, plural, printDiagnostics } from "../output/diagnostics.js";
import { writeOut } from "../output/io.js";

export interface ApplyOptions {
  filename: string[];
  dryRun?: boolean;
  project?: string;
  prune?: boolean;
  output?: "text" | "json";
}

export function actionLine(a: PlannedAction, dryRun: boolean): string {
  return `${a.key.kind.toLowerCase()}/${a.key.name} ${a.verb}${dryRun ? " (dry run)" : ""}`;
}

export async function applyCommand(opts: ApplyOptions): Promise<void> {
  await withStore(({ store, cwd }) => {
    const storedCrds = store.listResources({ kind: "CustomResourceDefinition", allProjects: true });
    const set = loadDesiredSet(opts.filename, cwd, { project: opts.project, storedCrds });
    printDiagnostics(set.diagnostics);
    if (hasErrors(set.diagnostics)) {
      const { errors } = countBySeverity(set.diagnostics);
      throw new CliError(`${plural(errors, "error")} in the manifest set; nothing was applied`);
    }
    const crds = [...storedCrds, ...set.documents.filter((d) => d.resource.kind === "CustomResourceDefinition").map((d) => d.resource)];
    const plan = planChanges(set.documents, store, { registry: registryWith(crds), appliedBy: "cli", prune: !!opts.prune });
    if (!opts.dryRun) store.commit(changesOf(plan), "cli");
    if (opts.output === "json") {
      writeOut(
        JSON.stringify(
          {
            dryRun: !!opts.dryRun,
            results: plan.map((a) => ({ project: a.key.project, kind: a.key.kind, name: a.key.name, action: a.verb })),
            diagnostics: set.diagnostics,
          },
          null,
          2,
        ) + "\n",
      );
      return;
    }
    writeOut(plan.map((a) => actionLine(a, !!opts.dryRun) + "\n").join(""));
  });
}
