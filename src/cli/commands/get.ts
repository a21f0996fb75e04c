/**
 * @module `orchestrator get KIND [NAME]`: tables for people, JSON and YAML
 * for tools.
 */
import { matchesSelector, parseSelector, SelectorError } from "../../resources/selector.js";
import { API_VERSION, type JsonObject } from "../../resources/types.js";
import type { StoredResource } from "../../store/store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { projectOf, resolveKind, storeRegistry } from "../kind-ref.js";
import { columnsFor } from "../output/columns.js";
import { writeOut } from "../output/io.js";
import { resourceView } from "../output/resource-view.js";
import { renderTable } from "../output/table.js";

export interface GetOptions {
  output: "table" | "wide" | "json" | "yaml" | "name";
  selector?: string;
  project?: string;
  allProjects?: boolean;
}

export async function getCommand(kindArg: string, name: string | undefined, opts: GetOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const kind = resolveKind(storeRegistry(store), kindArg);
    let requirements;
    try {
      requirements = opts.selector ? parseSelector(opts.selector) : [];
    } catch (err) {
      if (err instanceof SelectorError) throw new UsageError(err.message);
      throw err;
    }
    const all = !!opts.allProjects && !name;
    const project = projectOf(kind, opts.project);
    let items: StoredResource[] =
      kind.kind === "Project" ? listProjects(store) : store.listResources(all ? { kind: kind.kind, allProjects: true } : { kind: kind.kind, project });
    if (name) {
      items = items.filter((r) => r.metadata.name === name);
      if (items.length === 0) {
        const where = kind.projectScoped ? ` in project '${project}'` : "";
        throw new CliError(`${kind.kind.toLowerCase()}/${name} not found${where}`);
      }
    }
    items = items.filter((r) => matchesSelector(r.metadata.labels, requirements));

    switch (opts.output) {
      case "json":
      case "yaml": {
        const views = items.map((r) => resourceView(r, { storeFields: true }));
        const doc: JsonObject = name ? views[0]! : { apiVersion: API_VERSION, kind: "List", items: views };
        writeOut(opts.output === "json" ? JSON.stringify(doc, null, 2) + "\n" : (await import("../output/yaml.js")).toYaml(doc));
        return;
      }
      case "name":
        writeOut(items.map((r) => `${kind.kind.toLowerCase()}/${r.metadata.name}\n`).join(""));
        return;
      default: {
        if (items.length === 0) {
          process.stderr.write(`No ${kind.plural} found${kind.projectScoped && !all ? ` in project '${project}'` : ""}.\n`);
          return;
        }
        const cols = columnsFor(kind.kind, opts.output === "wide", all);
        writeOut(renderTable(cols.map((c) => c.header), items.map((r) => cols.map((c) => c.value(r)))));
      }
    }
  });
}

/** Declared Project resources plus projects that only exist because resources live in them. */
function listProjects(store: import("../../store/store.js").Store): StoredResource[] {
  const declared = store.listResources({ kind: "Project", project: "" });
  const names = new Set(declared.map((p) => p.metadata.name));
  const implicit: StoredResource[] = store
    .listProjects()
    .filter((p) => !names.has(p))
    .map((p) => ({
      apiVersion: API_VERSION,
      kind: "Project",
      metadata: { name: p, project: "" },
      spec: {},
      generation: 0,
      hash: "",
      origin: { appliedBy: "implicit" },
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }));
  return [...declared, ...implicit].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
