/**
 * @module `orchestrator manifest validate` (the CI gate) and
 * `orchestrator manifest export` (stored resources as manifests).
 */
import { hasErrors } from "../../resources/diagnostics.js";
import { loadDesiredSet } from "../../reconcile/desired-set.js";
import { isSecretKind } from "../../resources/redact.js";
import { findHome } from "../../store/home.js";
import { openStore } from "../../store/sqlite/open.js";
import type { Resource } from "../../resources/types.js";
import { withStore } from "../context.js";
import { storeRegistry } from "../kind-ref.js";
import { countBySeverity, plural, printDiagnostics } from "../output/diagnostics.js";
import { writeErr, writeOut } from "../output/io.js";
import { resourceView } from "../output/resource-view.js";
import { toYaml } from "../output/yaml.js";

export interface ValidateOptions {
  filename: string[];
  project?: string;
  output?: "text" | "json";
}

/** CRDs of the store, when there is one: validation works without a store too. */
function storedCrdsIfAny(cwd: string): Resource[] {
  const home = findHome(cwd, process.env);
  if (!home) return [];
  const store = openStore(home);
  try {
    return store.listResources({ kind: "CustomResourceDefinition", allProjects: true });
  } finally {
    store.close();
  }
}

export function validateCommand(opts: ValidateOptions): void {
  const cwd = process.cwd();
  const set = loadDesiredSet(opts.filename, cwd, { project: opts.project, storedCrds: storedCrdsIfAny(cwd) });
  const { errors, warnings } = countBySeverity(set.diagnostics);
  const files = new Set(set.documents.map((d) => d.file)).size;
  if (opts.output === "json") {
    writeOut(
      JSON.stringify(
        {
          valid: errors === 0,
          documents: set.documents.length,
          errors: set.diagnostics.filter((d) => d.severity === "error"),
          warnings: set.diagnostics.filter((d) => d.severity === "warning"),
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    printDiagnostics(set.diagnostics);
    const summary = `${plural(set.documents.length, "document")} in ${plural(files, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`;
    if (errors === 0) writeOut(`valid: ${summary}\n`);
    else writeErr(`invalid: ${summary}\n`);
  }
  if (hasErrors(set.diagnostics)) process.exitCode = 1;
}

export interface ExportOptions {
  output: "yaml" | "json";
  project?: string;
  includeSecrets?: boolean;
}

export async function exportCommand(opts: ExportOptions): Promise<void> {
  await withStore(({ store }) => {
    const registry = storeRegistry(store);
    const order = (kind: string): number => registry.get(kind)?.order ?? 1000;
    let items = store.listResources(opts.project ? { project: opts.project } : { allProjects: true });
    if (opts.project) items = [...store.listResources({ kind: "Project", project: "" }).filter((p) => p.metadata.name === opts.project), ...items];
    // Task and Run status is the engine's, never part of a manifest.
    items.sort(
      (a, b) =>
        order(a.kind) - order(b.kind) ||
        a.kind.localeCompare(b.kind) ||
        a.metadata.project.localeCompare(b.metadata.project) ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
    // Tasks and Runs made by `task create` and `orchestrator run` are executions, not configuration.
    items = items.filter((r) => !((r.kind === "Task" || r.kind === "Run") && (r.origin.appliedBy === "task-create" || r.origin.appliedBy === "run")));
    const secrets = items.filter((r) => isSecretKind(r.kind));
    if (!opts.includeSecrets) items = items.filter((r) => !isSecretKind(r.kind));
    const views = items.map((r) => resourceView(r, { storeFields: false, revealSecrets: !!opts.includeSecrets }));
    if (opts.output === "json") {
      writeOut(JSON.stringify({ apiVersion: "orchestrator.dev/v2", kind: "List", items: views }, null, 2) + "\n");
    } else {
      writeOut(views.map((v) => toYaml(v)).join("---\n"));
    }
    if (!opts.includeSecrets && secrets.length) {
      writeErr(`note: ${plural(secrets.length, "SecretStore")} left out; pass --include-secrets to export them with their values\n`);
    }
    if (items.length === 0 && secrets.length === 0) writeErr(`note: the store holds no resources${opts.project ? ` in project '${opts.project}'` : ""}\n`);
  });
}
