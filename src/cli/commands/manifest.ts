/**
 * @module `orchestrator manifest validate` (the CI gate) and
 * `orchestrator manifest export` (stored resources as manifests).
 */
import { hasErrors, type Diagnostic } from "../../resources/diagnostics.js";
import { loadManifestPaths } from "../../resources/load.js";
import { parseDesiredFiles } from "../../reconcile/desired-set.js";
import { isSecretKind, redactUrl } from "../../resources/redact.js";
import { customKindOf } from "../../resources/crd-kinds.js";
import { isBuiltinKind } from "../../resources/kinds.js";
import { findHome, storeExists } from "../../store/home-location.js";
import { openStore } from "../../store/open.js";
import type { Resource } from "../../resources/types.js";
import { withStore } from "../context.js";
import { storeRegistry } from "../kind-ref.js";
import { countBySeverity, plural, printDiagnostics } from "../output/diagnostics.js";
import type { JsonValue } from "../../resources/types.js";
import type { OutputFormat } from "../output/format.js";
import { formatName, printMachine } from "../output/printer.js";
import { startProgress } from "../output/progress.js";
import { writeErr, writeOut } from "../output/io.js";
import { resourceView } from "../output/resource-view.js";
import { toYaml } from "../output/yaml.js";

export interface ValidateOptions {
  filename: string[];
  project?: string;
  output?: OutputFormat | "text" | "json";
}

/** CRDs of the store, when there is one: validation works without a store too. */
function storedCrdsIfAny(cwd: string): Resource[] {
  const home = findHome(cwd, process.env);
  // Validation never creates a store: a folder without state.db has no CRDs.
  if (!home || !storeExists(home)) return [];
  const store = openStore(home);
  try {
    return store.listResources({ kind: "CustomResourceDefinition", allProjects: true });
  } finally {
    store.close();
  }
}

export async function validateCommand(opts: ValidateOptions): Promise<void> {
  const cwd = process.cwd();
  const progress = startProgress("validate");
  progress.update("reading files");
  const loaded = loadManifestPaths(opts.filename, cwd);
  progress.update(`validating ${loaded.files.length} file${loaded.files.length === 1 ? "" : "s"}`);
  const set = parseDesiredFiles(loaded.files, { project: opts.project, storedCrds: storedCrdsIfAny(cwd) }, loaded.diagnostics);
  progress.done();
  const { errors, warnings } = countBySeverity(set.diagnostics);
  const files = loaded.files.length;
  const documents = set.documents.length + unreadableDocuments(set.diagnostics);
  const report = {
    valid: errors === 0,
    files,
    documents,
    errors: set.diagnostics.filter((d) => d.severity === "error") as unknown as JsonValue[],
    warnings: set.diagnostics.filter((d) => d.severity === "warning") as unknown as JsonValue[],
  };
  if (!printMachine("ValidationReport", report, opts.output)) {
    printDiagnostics(set.diagnostics);
    const summary = `${plural(documents, "document")} in ${plural(files, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`;
    if (errors === 0) writeOut(`valid: ${summary}\n`);
    else writeErr(`invalid: ${summary}\n`);
  }
  if (hasErrors(set.diagnostics)) process.exitCode = 1;
}

/**
 * Documents found but not readable as resources: one with a YAML syntax
 * error, or that is not a mapping. Counted so the summary says how many
 * documents the files hold, whatever state they are in.
 */
function unreadableDocuments(ds: readonly Diagnostic[]): number {
  return ds.filter((d) => d.code === "yaml-syntax" || d.code === "not-mapping").length;
}

export interface ExportOptions {
  output: OutputFormat | "yaml" | "json";
  project?: string;
  includeSecrets?: boolean;
}

export async function exportCommand(opts: ExportOptions): Promise<void> {
  await withStore(({ store }) => {
    const registry = storeRegistry(store);
    const order = (kind: string): number => registry.get(kind)?.order ?? 1000;
    let items = store.listResources(opts.project ? { project: opts.project } : { allProjects: true });
    // One project's export carries its Project and every CRD (cluster-wide), so the instances it holds apply back.
    if (opts.project) {
      items = [
        ...store.listResources({ kind: "Project" }).filter((p) => p.metadata.name === opts.project),
        ...store.listResources({ kind: "CustomResourceDefinition" }),
        ...items,
      ];
    }
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
    // An instance no stored CRD defines (any more) would not apply back: it is left out, and said so.
    const defined = definedApiVersions(store.listResources({ kind: "CustomResourceDefinition" }));
    const orphans = items.filter((r) => !isBuiltinKind(r.kind) && !defined.get(r.kind)?.has(r.apiVersion));
    items = items.filter((r) => !orphans.includes(r));
    const secrets = items.filter((r) => isSecretKind(r.kind));
    if (!opts.includeSecrets) items = items.filter((r) => !isSecretKind(r.kind));
    const views = items.map((r) => resourceView(r, { storeFields: false, revealSecrets: !!opts.includeSecrets }));
    // YAML is documents apply takes back one by one; the machine formats see a List.
    if (formatName(opts.output) !== "yaml" && formatName(opts.output) !== "text") {
      printMachine("List", { items: views }, opts.output);
    } else {
      writeOut(views.map((v) => toYaml(v)).join("---\n"));
    }
    if (!opts.includeSecrets) {
      for (const r of items.filter((x) => x.kind === "Source" && typeof x.spec["url"] === "string" && redactUrl(x.spec["url"]) !== x.spec["url"])) {
        writeErr(`note: source/${r.metadata.name}: the credentials in its url are printed as ***, which apply refuses; pass --include-secrets to export them\n`);
      }
    }
    if (!opts.includeSecrets && secrets.length) {
      writeErr(`note: ${plural(secrets.length, "SecretStore")} left out; pass --include-secrets to export them with their values\n`);
    }
    for (const r of orphans) {
      writeErr(`note: ${r.kind.toLowerCase()}/${r.metadata.name} (project ${r.metadata.project}) left out: no CustomResourceDefinition defines ${r.kind} as ${r.apiVersion}; delete its project or apply its CRD again\n`);
    }
    if (items.length === 0 && secrets.length === 0) writeErr(`note: the store holds no resources${opts.project ? ` in project '${opts.project}'` : ""}\n`);
  });
}

/** Kind -> the `group/version`s stored CRDs define for it. */
function definedApiVersions(crds: readonly Resource[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const crd of crds) {
    const k = customKindOf(crd);
    if (k) out.set(k.kind, new Set(k.versions.map((v) => `${k.group}/${v}`)));
  }
  return out;
}
