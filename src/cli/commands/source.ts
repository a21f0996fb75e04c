/**
 * @module `orchestrator source add|list|remove|status`: the named places
 * desired state comes from (a directory or a git remote), kept in the store
 * with their project, prune setting, inventory and status.
 */
import { rmSync } from "node:fs";
import { redactUrl } from "../../reconcile/git/errors.js";
import { findCondition } from "../../reconcile/conditions.js";
import { shortRevision } from "../../reconcile/digest.js";
import { statCachePath } from "../../reconcile/sources/dir-source.js";
import { cloneDirOf, formatInterval, SourceSpecError, sourceSpecFrom, type SourceInput } from "../../reconcile/sources/spec.js";
import type { JsonObject } from "../../resources/types.js";
import { SourceExistsError, sourceStoreOf, type SourceRecord, type SourceStore } from "../../store/source-store.js";
import { withStore } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { formatAge } from "../output/age.js";
import { writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";

/** The flags of `source add`: the source's settings but its name. */
export type SourceAddOptions = Omit<SourceInput, "name">;

export async function sourceAddCommand(name: string, opts: SourceAddOptions): Promise<void> {
  await withStore(({ store, home, cwd }) => {
    let spec;
    try {
      spec = sourceSpecFrom({ name, ...opts }, home, cwd);
    } catch (err) {
      if (err instanceof SourceSpecError) throw new UsageError(err.message);
      throw err;
    }
    try {
      sourceStoreOf(store).addSource(spec);
    } catch (err) {
      if (err instanceof SourceExistsError) throw new CliError(err.message);
      throw err;
    }
    writeOut(`source ${name} added (${describeLocation(spec)}); run \`orchestrator sync ${name}\` to apply it now\n`);
  });
}

export async function sourceListCommand(opts: { output?: "table" | "json" }): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    const all = sources.listSources();
    if (opts.output === "json") {
      writeOut(JSON.stringify({ sources: all.map((s) => sourceJson(s, sources)) }, null, 2) + "\n");
      return;
    }
    if (all.length === 0) {
      writeOut("no sources; add one with `orchestrator source add NAME --dir PATH` or `--git URL`\n");
      return;
    }
    const rows = all.map((s) => {
      const ready = findCondition(s.status.conditions, "Ready");
      return [
        s.name,
        s.type,
        s.type === "git" ? redactUrl(s.url ?? "") : (s.dir ?? ""),
        s.type === "git" ? `${s.ref ?? "(default)"}${s.path ? `:${s.path}` : ""}` : "",
        formatInterval(s.intervalMs),
        s.project,
        s.prune ? "true" : "false",
        ready ? `${ready.status}${ready.status === "True" ? "" : ` (${ready.reason})`}` : "Unknown",
        s.status.lastAppliedRevision ? shortRevision(s.status.lastAppliedRevision) : "",
        s.status.lastAttemptedAt ? formatAge(s.status.lastAttemptedAt) : "",
      ];
    });
    writeOut(renderTable(["NAME", "TYPE", "URL/DIR", "REF", "INTERVAL", "PROJECT", "PRUNE", "READY", "REVISION", "LAST PASS"], rows));
  });
}

export async function sourceRemoveCommand(name: string): Promise<void> {
  await withStore(({ store, home }) => {
    const sources = sourceStoreOf(store);
    const source = sources.getSource(name);
    if (!source) throw new CliError(`no source named '${name}'; \`orchestrator source list\` shows them`);
    const count = sources.inventoryCount(name);
    sources.removeSource(name);
    if (source.type === "git") rmSync(cloneDirOf(home, name), { recursive: true, force: true });
    else rmSync(statCachePath(home, name), { force: true });
    writeOut(
      `source ${name} removed; the ${count} resource${count === 1 ? " it applied stays" : "s it applied stay"} in the store (no longer pruned or corrected by it)\n`,
    );
  });
}

export async function sourceStatusCommand(name: string | undefined, opts: { output?: "text" | "json" }): Promise<void> {
  await withStore(({ store }) => {
    const sources = sourceStoreOf(store);
    const selected = name === undefined ? sources.listSources() : [sources.getSource(name)];
    if (selected.some((s) => s === undefined)) throw new CliError(`no source named '${name}'; \`orchestrator source list\` shows them`);
    const list = selected as SourceRecord[];
    if (opts.output === "json") {
      const json = list.map((s) => sourceJson(s, sources));
      writeOut(JSON.stringify(name === undefined ? { sources: json } : json[0], null, 2) + "\n");
      return;
    }
    if (list.length === 0) {
      writeOut("no sources; add one with `orchestrator source add NAME --dir PATH` or `--git URL`\n");
      return;
    }
    writeOut(list.map((s) => statusText(s, sources.inventoryCount(s.name))).join("\n"));
  });
}

function describeLocation(s: Pick<SourceRecord, "type" | "dir" | "url" | "ref" | "path">): string {
  if (s.type === "dir") return `directory ${s.dir}`;
  return `git ${redactUrl(s.url ?? "")}${s.ref ? ` at ${s.ref}` : ""}${s.path ? `, path ${s.path}` : ""}`;
}

/** The stable JSON of a source (`source list -o json`, `source status -o json`). */
export function sourceJson(s: SourceRecord, sources: SourceStore): JsonObject {
  const out: JsonObject = { name: s.name, type: s.type };
  if (s.dir !== undefined) out.dir = s.dir;
  if (s.url !== undefined) out.url = redactUrl(s.url);
  if (s.ref !== undefined) out.ref = s.ref;
  if (s.path !== undefined) out.path = s.path;
  out.interval = formatInterval(s.intervalMs);
  out.project = s.project;
  out.prune = s.prune;
  if (s.webhookSecret !== undefined) out.webhookSecret = s.webhookSecret;
  out.status = {
    lastAppliedRevision: s.status.lastAppliedRevision,
    lastAttemptedRevision: s.status.lastAttemptedRevision,
    lastAppliedAt: s.status.lastAppliedAt,
    lastAttemptedAt: s.status.lastAttemptedAt,
    conditions: s.status.conditions.map((c) => ({ ...c })),
    errors: [...s.status.errors],
    failures: s.status.failures,
  };
  out.inventory = sources.inventoryCount(s.name);
  return out;
}

function statusText(s: SourceRecord, inventory: number): string {
  const st = s.status;
  const at = (rev: string | null, when: string | null): string => (rev ? `${rev}${when ? ` (${when})` : ""}` : "<none>");
  const lines = [
    `Name:            ${s.name}`,
    `Source:          ${describeLocation(s)}`,
    `Project:         ${s.project}`,
    `Prune:           ${s.prune}`,
    `Interval:        ${formatInterval(s.intervalMs)}`,
    `Push hook:       /hooks/sources/${s.name} (${s.webhookSecret ? `signed with SecretStore ${s.webhookSecret}` : "unsigned: loopback listener only"})`,
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
