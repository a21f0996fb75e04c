/**
 * @module `orchestrator get KIND [NAME...]` and `get KIND/NAME...`: tables
 * for people, JSON and YAML for tools.
 */
import { matchesSelector, parseSelector, SelectorError } from "../../resources/selector.js";
import type { KindInfo, KindRegistry } from "../../resources/kinds.js";
import { API_VERSION, type JsonObject } from "../../resources/types.js";
import type { Store, StoredResource } from "../../store/store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { parseRefs, projectOf, resolveKind, storeRegistry } from "../kind-ref.js";
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

/** What one `get` asks for: a kind, and the names wanted (none: every resource of the kind). */
interface Request {
  kind: KindInfo;
  names: string[];
}

/**
 * `get KIND`, `get KIND NAME...`, `get KIND/NAME...` (kinds may differ), as
 * kubectl takes them. Names and a selector exclude each other, as do names
 * and -A: a name is looked up in one project.
 */
export async function getCommand(args: string[], opts: GetOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const requests = requestsOf(storeRegistry(store), args);
    const named = requests.some((r) => r.names.length > 0);
    if (named && opts.selector !== undefined) throw new UsageError("give names or a label selector (-l), not both: a selector chooses among every resource of the kind");
    if (named && opts.allProjects) throw new UsageError("give names or --all-projects (-A), not both: a name is looked up in one project (--project)");
    let requirements;
    try {
      requirements = opts.selector ? parseSelector(opts.selector) : [];
    } catch (err) {
      if (err instanceof SelectorError) throw new UsageError(err.message);
      throw err;
    }

    const all = !!opts.allProjects;
    const found: { kind: KindInfo; items: StoredResource[] }[] = [];
    const missing: string[] = [];
    for (const { kind, names } of requests) {
      const project = projectOf(kind, opts.project);
      const stored = resourcesOfKind(store, kind, { project, allProjects: all });
      let items = stored;
      if (names.length) {
        items = [];
        for (const name of names) {
          const r = stored.find((x) => x.metadata.name === name);
          if (r) items.push(r);
          else missing.push(`${kind.kind.toLowerCase()}/${name} not found${kind.projectScoped ? ` in project '${project}'` : ""}`);
        }
      }
      found.push({ kind, items: items.filter((r) => matchesSelector(r.metadata.labels, requirements)) });
    }
    const single = requests.length === 1 && requests[0]!.names.length === 1;
    if (!(single && missing.length)) await print(found, opts, { single, named, all });
    if (missing.length) throw new CliError(missing.join("\n"));
  });
}

/** `KIND [NAME...]` or `KIND/NAME...`; the same kind named twice is asked for once, in the order given. */
function requestsOf(registry: KindRegistry, args: readonly string[]): Request[] {
  if (args.length === 0) throw new UsageError("expected KIND, KIND NAME... or KIND/NAME...");
  if (!args[0]!.includes("/")) {
    const slashed = args.slice(1).find((a) => a.includes("/"));
    if (slashed) throw new UsageError(`'${slashed}': give KIND NAME... or KIND/NAME..., not both`);
    return [{ kind: resolveKind(registry, args[0]!), names: unique(args.slice(1)) }];
  }
  const byKind = new Map<string, Request>();
  for (const ref of parseRefs(registry, args)) {
    const r = byKind.get(ref.kind.kind) ?? { kind: ref.kind, names: [] };
    if (!r.names.includes(ref.name)) r.names.push(ref.name);
    byKind.set(ref.kind.kind, r);
  }
  return [...byKind.values()];
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

async function print(found: readonly { kind: KindInfo; items: StoredResource[] }[], opts: GetOptions, how: { single: boolean; named: boolean; all: boolean }): Promise<void> {
  switch (opts.output) {
    case "json":
    case "yaml": {
      const items = found.flatMap((f) => f.items);
      const doc: JsonObject = how.single && items.length === 1 ? resourceView(items[0]!, { storeFields: true }) : listDocument(items);
      writeOut(opts.output === "json" ? JSON.stringify(doc, null, 2) + "\n" : (await import("../output/yaml.js")).toYaml(doc));
      return;
    }
    case "name":
      writeOut(found.flatMap((f) => f.items.map((r) => `${f.kind.kind.toLowerCase()}/${r.metadata.name}\n`)).join(""));
      return;
    default: {
      // One table per kind, as kubectl prints `get agent/a workflow/b`.
      const tables: string[] = [];
      for (const { kind, items } of found) {
        if (items.length === 0) continue;
        const cols = columnsFor(kind.kind, opts.output === "wide", how.all);
        tables.push(renderTable(cols.map((c) => c.header), items.map((r) => cols.map((c) => c.value(r)))));
      }
      if (tables.length) writeOut(tables.join("\n"));
      else if (!how.named) {
        const { kind } = found[0]!;
        process.stderr.write(`No ${kind.plural} found${kind.projectScoped && !how.all ? ` in project '${projectOf(kind, opts.project)}'` : ""}.\n`);
      }
    }
  }
}

/** Every stored resource of a kind in one project (or in all), as `get KIND` lists them. */
export function resourcesOfKind(store: Store, kind: KindInfo, where: { project: string; allProjects?: boolean }): StoredResource[] {
  if (kind.kind === "Project") return listProjects(store);
  return store.listResources(where.allProjects ? { kind: kind.kind, allProjects: true } : { kind: kind.kind, project: where.project });
}

/** What `get -o json` prints for a list: a kubectl-style List of resource views. */
export function listDocument(items: readonly StoredResource[]): JsonObject {
  return { apiVersion: API_VERSION, kind: "List", items: items.map((r) => resourceView(r, { storeFields: true })) };
}

/** Declared Project resources plus projects that only exist because resources live in them. */
function listProjects(store: Store): StoredResource[] {
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
