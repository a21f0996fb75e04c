/**
 * @module `orchestrator get KIND [NAME...]`, `get KIND/NAME...`, `get a,b`
 * and `get all`: tables for people, JSON and YAML for tools, printed through
 * the output contract (output/printer.ts); `-w` keeps printing changes.
 */
import { matchesSelector, type Requirement } from "../../resources/selector.js";
import type { KindInfo, KindRegistry } from "../../resources/kinds.js";
import { API_VERSION, type JsonObject } from "../../resources/types.js";
import type { Store, StoredResource } from "../../store/store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { parseRefs, projectOf, resolveKind, storeRegistry } from "../kind-ref.js";
import { resourceColumns } from "../output/columns.js";
import type { OutputFormat } from "../output/format.js";
import { listDocument as listOf, printGroups, type Group, type Listing, type PrintOptions } from "../output/printer.js";
import { resourceView } from "../output/resource-view.js";
import { buildSourceTree, renderSourceTree } from "../output/source-tree.js";
import { watchGroups } from "../output/watch-list.js";
import { SOURCE_KIND } from "../../store/source-resource.js";
import { sourceStoreOf } from "../../store/source-store.js";
import { writeOut } from "../output/io.js";

export interface GetOptions {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  selector?: Requirement[];
  project?: string;
  allProjects?: boolean;
  watch?: boolean;
}

/** What one `get` asks for: a kind, and the names wanted (none: every resource of the kind). */
interface Request {
  kind: KindInfo;
  names: string[];
}

/**
 * `get KIND`, `get KIND NAME...`, `get KIND/NAME...` (kinds may differ),
 * `get a,b` and `get all`, as kubectl takes them. Names and a selector
 * exclude each other, as do names and -A: a name is looked up in one project.
 */
export async function getCommand(args: string[], opts: GetOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const registry = storeRegistry(store);
    const requests = requestsOf(registry, args);
    const named = requests.some((r) => r.names.length > 0);
    if (named && opts.selector !== undefined) throw new UsageError("give names or a label selector (-l), not both: a selector chooses among every resource of the kind");
    if (named && opts.allProjects) throw new UsageError("give names or --all-projects (-A), not both: a name is looked up in one project (--project)");
    if (opts.output?.type === "other" && opts.output.name === "tree") return printTrees(store, requests, opts);
    const all = !!opts.allProjects;
    const everything = args[0]?.toLowerCase() === "all";
    const requirements = opts.selector ?? [];

    const read = (): { groups: Group<StoredResource>[]; missing: string[] } => {
      const groups: Group<StoredResource>[] = [];
      const missing: string[] = [];
      for (const { kind, names } of requests) {
        const project = projectOf(kind, opts.project);
        // `all` shows what was declared; a project that only exists because resources live in it is not one.
        const stored = everything && kind.kind === "Project" ? store.listResources({ kind: "Project", project: "" }) : resourcesOfKind(store, kind, { project, allProjects: all });
        let items = stored;
        if (names.length) {
          items = [];
          for (const name of names) {
            const r = stored.find((x) => x.metadata.name === name);
            if (r) items.push(r);
            else missing.push(`${kind.kind.toLowerCase()}/${name} not found${kind.projectScoped ? ` in project '${project}'` : ""}`);
          }
        }
        groups.push({ listing: resourceListing(kind.kind, all), items: items.filter((r) => matchesSelector(r.metadata.labels, requirements)) });
      }
      return { groups, missing };
    };

    const { groups, missing } = read();
    const single = requests.length === 1 && requests[0]!.names.length === 1;
    const kinds = groups.filter((g) => g.items.length > 0).length;
    const print: PrintOptions = { single, kindPrefix: kinds > 1 || everything };
    if (!named) print.empty = emptyMessage(requests, opts, all);
    if (!(single && missing.length)) printGroups(groups, opts, print);
    if (missing.length) throw new CliError(missing.join("\n"));
    if (opts.watch) await watchGroups(() => read().groups, opts, print);
  });
}

function emptyMessage(requests: readonly Request[], opts: GetOptions, all: boolean): string {
  if (requests.length > 1) return `No resources found${all ? "" : ` in project '${opts.project ?? "default"}'`}.`;
  const { kind } = requests[0]!;
  return `No ${kind.plural} found${kind.projectScoped && !all ? ` in project '${projectOf(kind, opts.project)}'` : ""}.`;
}

/**
 * `KIND [NAME...]`, `KIND/NAME...`, `a,b` (kinds, every resource of each)
 * or `all` (every kind); the same kind named twice is asked for once, in
 * the order given.
 */
function requestsOf(registry: KindRegistry, args: readonly string[]): Request[] {
  if (args.length === 0) throw new UsageError("expected KIND, KIND NAME..., KIND/NAME..., KIND,KIND... or all");
  const first = args[0]!;
  if (!first.includes("/")) {
    const slashed = args.slice(1).find((a) => a.includes("/"));
    if (slashed) throw new UsageError(`'${slashed}': give KIND NAME... or KIND/NAME..., not both`);
    const kinds = kindsOf(registry, first);
    if (kinds.length > 1 && args.length > 1) throw new UsageError(`names go with one kind; '${first}' names ${kinds.length} (kubectl takes 'get a,b' without names too)`);
    return kinds.map((kind) => ({ kind, names: unique(args.slice(1)) }));
  }
  const byKind = new Map<string, Request>();
  for (const ref of parseRefs(registry, args)) {
    const r = byKind.get(ref.kind.kind) ?? { kind: ref.kind, names: [] };
    if (!r.names.includes(ref.name)) r.names.push(ref.name);
    byKind.set(ref.kind.kind, r);
  }
  return [...byKind.values()];
}

/** `all` (every kind, in apply order), or one kind, or `a,b`. */
function kindsOf(registry: KindRegistry, text: string): KindInfo[] {
  if (text.toLowerCase() === "all") return [...registry.all()].sort((a, b) => a.order - b.order);
  const out: KindInfo[] = [];
  for (const part of text.split(",")) {
    if (!part.trim()) throw new UsageError(`empty kind in '${text}'`);
    const k = resolveKind(registry, part.trim());
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** How `get` shows resources of one kind. */
export function resourceListing(kind: string, allProjects: boolean): Listing<StoredResource> {
  return {
    kind,
    view: (r) => resourceView(r, { storeFields: true }),
    name: (r) => r.metadata.name,
    id: (r) => `${r.metadata.project}/${r.metadata.name}`,
    columns: resourceColumns(kind, allProjects),
  };
}

/** Every stored resource of a kind in one project (or in all), as `get KIND` lists them. */
export function resourcesOfKind(store: Store, kind: KindInfo, where: { project: string; allProjects?: boolean }): StoredResource[] {
  if (kind.kind === "Project") return listProjects(store);
  return store.listResources(where.allProjects ? { kind: kind.kind, allProjects: true } : { kind: kind.kind, project: where.project });
}

/** What `get -o json` prints for a list: a kubectl-style List of resource views. */
export function listDocument(items: readonly StoredResource[]): JsonObject {
  return listOf(items.map((r) => resourceView(r, { storeFields: true })));
}

/**
 * Declared Project resources plus projects that only exist because
 * resources live in them. An implicit project has no record of its own: its
 * times are those of its oldest and newest resource, so every read says the
 * same, and it has no generation.
 */
function listProjects(store: Store): StoredResource[] {
  const declared = store.listResources({ kind: "Project", project: "" });
  const names = new Set(declared.map((p) => p.metadata.name));
  const implicit: StoredResource[] = store
    .listProjects()
    .filter((p) => !names.has(p))
    .map((p) => {
      const rs = store.listResources({ project: p });
      const created = rs.map((r) => r.createdAt).sort()[0] ?? "";
      const updated = rs.map((r) => r.updatedAt).sort().at(-1) ?? "";
      return {
        apiVersion: API_VERSION,
        kind: "Project",
        metadata: { name: p, project: "" },
        spec: {},
        generation: 0,
        hash: "",
        origin: { appliedBy: "implicit" },
        createdAt: created,
        updatedAt: updated,
      };
    });
  return [...declared, ...implicit].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** `get source NAME -o tree`: what `source tree NAME` prints, as `flux tree` shows a Kustomization's inventory. */
function printTrees(store: Store, requests: readonly Request[], opts: GetOptions): void {
  const names = requests.flatMap((r) => (r.kind.kind === SOURCE_KIND ? r.names : []));
  if (names.length === 0 || requests.some((r) => r.kind.kind !== SOURCE_KIND) || opts.watch || opts.selector !== undefined) {
    throw new UsageError("-o tree shows a source's inventory: get source NAME... -o tree (no other kind, -l or -w)");
  }
  const sources = sourceStoreOf(store);
  const missing = names.filter((n) => !sources.getSource(n));
  if (missing.length) throw new CliError(missing.map((n) => `source/${n} not found`).join("\n"));
  writeOut(names.map((n) => renderSourceTree(buildSourceTree(sources, n))).join("\n"));
}
