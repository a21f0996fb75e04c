/**
 * @module `orchestrator source add|list|remove|status|suspend|resume|tree`:
 * the places desired state comes from. Each is a `Source` resource (so it
 * can live in git, be exported, reviewed and applied like any other); these
 * commands read and write those resources, their status and inventory.
 */
import { userInfo } from "node:os";
import { redactUrl } from "../../reconcile/git/errors.js";
import { forgetSourceFiles } from "../../reconcile/sources/forget.js";
import { formatInterval, SourceSpecError, sourceSpecFrom, type SourceInput } from "../../reconcile/sources/spec.js";
import type { Requirement } from "../../resources/selector.js";
import { matchesSelector } from "../../resources/selector.js";
import type { JsonObject } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import { shortRevision } from "../../reconcile/digest.js";
import { sourceKey, sourceManifest, sourceRecordOf, SOURCE_KIND } from "../../store/source-resource.js";
import { isSuspended, SourceExistsError, sourceStoreOf, type SourceRecord, type SourceStore } from "../../store/source-store.js";
import type { Store, StoredResource } from "../../store/store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { formatAge } from "../output/age.js";
import { sourceLocation, sourceReady } from "../output/columns.js";
import type { OutputFormat } from "../output/format.js";
import { writeErr, writeOut } from "../output/io.js";
import { printList, printObject, type Listing } from "../output/printer.js";
import { resourceView } from "../output/resource-view.js";
import { renderTable } from "../output/table.js";
import { toYaml } from "../output/yaml.js";
import { buildSourceTree, renderSourceTree, sourceTreeView } from "../output/source-tree.js";
import { watchGroups } from "../output/watch-list.js";

/** The flags of `source add`: the source's settings but its name. */
export type SourceAddOptions = Omit<SourceInput, "name"> & { export?: boolean };

export interface SourceListOptions {
  output?: OutputFormat;
  headers?: boolean;
  sortBy?: string;
  selector?: Requirement[];
  watch?: boolean;
}

const NO_SOURCES = "no sources; add one with `orchestrator source add NAME --dir PATH` or `--git URL`, or apply a Source manifest";

export async function sourceAddCommand(name: string, opts: SourceAddOptions): Promise<void> {
  if (opts.export) {
    // As `flux create source --export`: the manifest to commit, nothing written (no store needed).
    const { requireHome } = await import("../context.js");
    const spec = specFromFlags(name, opts, requireHome(), process.cwd());
    // A manifest to commit must not carry credentials, and output never shows them.
    if (spec.url !== undefined && redactUrl(spec.url) !== spec.url) {
      throw new UsageError(`--export prints a manifest to commit, and ${redactUrl(spec.url)} carries credentials; give the url without them and let git find them (a credential helper, GIT_ASKPASS or an ssh key)`);
    }
    writeOut(toYaml(sourceManifest(spec)));
    return;
  }
  await withStore(({ store, home, cwd }) => {
    const spec = specFromFlags(name, opts, home, cwd);
    try {
      sourceStoreOf(store).addSource(spec, "cli");
    } catch (err) {
      if (err instanceof SourceExistsError) throw new CliError(err.message);
      throw err;
    }
    writeOut(`source ${name} added (${describeLocation(spec)}); run \`orchestrator sync ${name}\` to apply it now\n`);
  });
}

function specFromFlags(name: string, opts: SourceAddOptions, home: Home, cwd: string): ReturnType<typeof sourceSpecFrom> {
  const { export: _export, ...input } = opts;
  void _export;
  try {
    return sourceSpecFrom({ name, ...input }, home, cwd);
  } catch (err) {
    if (err instanceof SourceSpecError) throw new UsageError(err.message);
    throw err;
  }
}

/** How `source list` and `source status` show sources: the Source resource with its status and inventory size. */
export function sourceListing(store: Store): Listing<StoredResource> {
  const sources = sourceStoreOf(store);
  const record = sourceRecordOf;
  return {
    kind: SOURCE_KIND,
    view: (r) => sourceView(r, sources),
    name: (r) => r.metadata.name,
    columns: [
      { header: "NAME", value: (r) => r.metadata.name },
      { header: "TYPE", value: (r) => record(r).type },
      { header: "URL/DIR", value: (r) => sourceLocation(record(r)) },
      { header: "REF", value: (r) => (record(r).type === "git" ? `${record(r).ref ?? "(default)"}${record(r).path ? `:${record(r).path}` : ""}` : "") },
      { header: "INTERVAL", value: (r) => formatInterval(record(r).intervalMs) },
      { header: "PROJECT", value: (r) => record(r).project },
      { header: "PRUNE", value: (r) => String(record(r).prune) },
      { header: "SUSPENDED", value: (r) => String(isSuspended(record(r))) },
      { header: "READY", value: (r) => sourceReady(record(r)) },
      { header: "REVISION", value: (r) => shortRev(record(r).status.lastAppliedRevision) },
      { header: "LAST PASS", value: (r) => (record(r).status.lastAttemptedAt ? formatAge(record(r).status.lastAttemptedAt!) : "") },
      { header: "APPLIED BY", value: (r) => r.origin.appliedBy, wide: true },
      { header: "RESOURCES", value: (r) => String(sources.inventoryCount(r.metadata.name)), wide: true },
    ],
  };
}

/** The JSON of a source: its Source resource (url without credentials) with its status and the size of its inventory. */
export function sourceView(r: StoredResource, sources: SourceStore): JsonObject {
  const view = resourceView(r, { storeFields: true });
  const spec = view["spec"] as JsonObject;
  if (typeof spec["url"] === "string") spec["url"] = redactUrl(spec["url"]);
  view["status"] = { ...((view["status"] as JsonObject | undefined) ?? {}), inventory: sources.inventoryCount(r.metadata.name) };
  return view;
}

/** The stored Source resources, by name, as `source list` lists them. */
export function storedSources(store: Store): StoredResource[] {
  return store.listResources({ kind: SOURCE_KIND, project: "" }).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

export async function sourceListCommand(opts: SourceListOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const listing = sourceListing(store);
    const read = (): StoredResource[] => storedSources(store).filter((r) => matchesSelector(r.metadata.labels, opts.selector ?? []));
    printList(listing, read(), opts, { empty: NO_SOURCES });
    if (opts.watch) await watchGroups(() => [{ listing, items: read() }], opts);
  });
}

export async function sourceRemoveCommand(name: string): Promise<void> {
  await withStore(({ store, home }) => {
    const sources = sourceStoreOf(store);
    const source = sources.getSource(name);
    if (!source) throw new CliError(`no source named '${name}'; \`orchestrator source list\` shows them`);
    const count = sources.inventoryCount(name);
    sources.removeSource(name, "cli");
    forgetSourceFiles(home, name);
    writeOut(
      `source ${name} removed; the ${count} resource${count === 1 ? " it applied stays" : "s it applied stay"} in the store (no longer pruned or corrected by it)\n`,
    );
    // Declared by another source: that source puts it back on its next pass unless its manifest goes.
    const parent = source.appliedBy.startsWith("source:") ? source.appliedBy.slice("source:".length) : undefined;
    if (parent && parent !== name) writeErr(`warning: source/${name} is declared by source ${parent}; its next pass adds it again unless you remove it there\n`);
  });
}

export async function sourceStatusCommand(name: string | undefined, opts: SourceListOptions): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    const listing = sourceListing(store);
    if (name !== undefined) {
      const r = store.getResource(sourceKey(name));
      if (!r) throw new CliError(`no source named '${name}'; \`orchestrator source list\` shows them`);
      printObject(SOURCE_KIND, sourceView(r, sources), name, opts, () => statusText(sources.getSource(name)!, sources.inventoryCount(name)));
      return;
    }
    const all = storedSources(store).filter((r) => matchesSelector(r.metadata.labels, opts.selector ?? []));
    const format = opts.output?.type ?? "table";
    if (format === "table" || format === "wide") {
      if (all.length === 0) writeErr(`${NO_SOURCES}\n`);
      else writeOut(all.map((r) => statusText(sources.getSource(r.metadata.name)!, sources.inventoryCount(r.metadata.name))).join("\n"));
      return;
    }
    printList(listing, all, opts);
  });
}

function cliUser(): string {
  try {
    return process.env["USER"] || userInfo().username;
  } catch {
    return "cli";
  }
}

export async function sourceSuspendCommand(name: string): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    const source = requireSource(sources, name);
    if (source.status.suspended) {
      writeOut(`source ${name} was already suspended (by ${source.status.suspended.by} at ${source.status.suspended.time})\n`);
      return;
    }
    const by = cliUser();
    store.writeTransaction(() => {
      sources.setSuspension(name, { time: new Date().toISOString(), by });
      store.appendEvent({ type: "source_suspended", project: "", kind: SOURCE_KIND, name, message: `source/${name} suspended by ${by}`, actor: "cli", data: { by } });
    });
    writeOut(`source ${name} suspended: nothing is fetched, applied or pruned until \`orchestrator source resume ${name}\`\n`);
  });
}

export async function sourceResumeCommand(name: string): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    const source = requireSource(sources, name);
    if (source.suspend) {
      throw new CliError(`source ${name} is suspended by its manifest (spec.suspend: true); set spec.suspend to false there (or remove it) and apply it to resume the source`);
    }
    if (!source.status.suspended) {
      writeOut(`source ${name} was not suspended\n`);
      return;
    }
    const by = cliUser();
    store.writeTransaction(() => {
      sources.setSuspension(name, null);
      store.appendEvent({ type: "source_resumed", project: "", kind: SOURCE_KIND, name, message: `source/${name} resumed by ${by}`, actor: "cli", data: { by } });
    });
    writeOut(`source ${name} resumed; a running controller passes over it at once (\`orchestrator reconcile ${name}\` waits for that pass)\n`);
  });
}

export async function sourceTreeCommand(name: string, opts: { output?: OutputFormat }): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    requireSource(sources, name);
    const tree = buildSourceTree(sources, name);
    printObject("SourceTree", sourceTreeView(tree), name, opts, () => renderSourceTree(tree));
  });
}

function requireSource(sources: SourceStore, name: string): SourceRecord {
  const s = sources.getSource(name);
  if (!s) throw new CliError(`no source named '${name}'; \`orchestrator source list\` shows them`);
  return s;
}

const shortRev = (rev: string | null): string => (rev ? shortRevision(rev) : "");

function describeLocation(s: Pick<SourceRecord, "type" | "dir" | "url" | "ref" | "path">): string {
  if (s.type === "dir") return `directory ${s.dir}`;
  return `git ${redactUrl(s.url ?? "")}${s.ref ? ` at ${s.ref}` : ""}${s.path ? `, path ${s.path}` : ""}`;
}

function statusText(s: SourceRecord, inventory: number): string {
  const st = s.status;
  const at = (rev: string | null, when: string | null): string => (rev ? `${rev}${when ? ` (${when})` : ""}` : "<none>");
  const suspended = s.suspend ? "true (spec.suspend in its manifest)" : st.suspended ? `true (by ${st.suspended.by} at ${st.suspended.time})` : "false";
  const lines = [
    `Name:            ${s.name}`,
    `Source:          ${describeLocation(s)}`,
    `Project:         ${s.project}`,
    `Prune:           ${s.prune}`,
    `Interval:        ${formatInterval(s.intervalMs)}`,
    `Push hook:       /hooks/sources/${s.name} (${s.webhookSecret ? `signed with SecretStore ${s.webhookSecret}` : "unsigned: loopback listener only"})`,
    `Suspended:       ${suspended}`,
    `Applied by:      ${s.appliedBy}`,
    `Last applied:    ${at(st.lastAppliedRevision, st.lastAppliedAt)}`,
    `Last attempted:  ${at(st.lastAttemptedRevision, st.lastAttemptedAt)}`,
    `Inventory:       ${inventory} resource${inventory === 1 ? "" : "s"}`,
    "Conditions:",
  ];
  if (st.conditions.length === 0) lines.push("  <none> (never reconciled; run `orchestrator sync`)");
  else {
    const table = renderTable(
      ["TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"],
      st.conditions.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime, c.message]),
    );
    lines.push(...table.trimEnd().split("\n").map((l) => `  ${l}`));
  }
  if (st.errors.length) {
    lines.push("Errors:");
    for (const e of st.errors) lines.push(...e.split("\n").map((l) => `  ${l}`));
  }
  return lines.join("\n") + "\n";
}
