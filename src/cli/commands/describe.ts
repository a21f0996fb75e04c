/**
 * @module `orchestrator describe KIND/NAME`: everything known about one
 * resource, for people.
 */
import { isProjectScoped } from "../../resources/kinds.js";
import { redactSpec } from "../../resources/redact.js";
import type { Store, StoredResource } from "../../store/store.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { parseRefs, projectOf, storeRegistry } from "../kind-ref.js";
import { writeOut } from "../output/io.js";
import { renderTable } from "../output/table.js";
import { toYaml } from "../output/yaml.js";

export async function describeCommand(refs: string[], opts: { project?: string }): Promise<void> {
  await withStore(({ store }) => {
    const parts: string[] = [];
    for (const ref of parseRefs(storeRegistry(store), refs)) {
      const project = projectOf(ref.kind, opts.project);
      const r = store.getResource({ project, kind: ref.kind.kind, name: ref.name });
      if (!r) throw new CliError(`${ref.kind.kind.toLowerCase()}/${ref.name} not found${ref.kind.projectScoped ? ` in project '${project}'` : ""}`);
      parts.push(describeResource(store, r));
    }
    writeOut(parts.join("\n"));
  });
}

const indent = (text: string, by = "  "): string =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n");

const pairs = (m: Record<string, string> | undefined): string =>
  m && Object.keys(m).length ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join("\n              ") : "<none>";

export function describeResource(store: Store, r: StoredResource): string {
  const o = r.origin;
  const where = o.file ? ` (${o.file}${o.line ? `:${o.line}` : ""}${o.commit ? ` @ ${o.commit.slice(0, 12)}` : ""})` : "";
  const lines = [
    `Name:         ${r.metadata.name}`,
    `Kind:         ${r.kind}`,
    `API version:  ${r.apiVersion}`,
    ...(isProjectScoped(r.kind) ? [`Project:      ${r.metadata.project}`] : []),
    ...(r.metadata.description ? [`Description:  ${r.metadata.description}`] : []),
    `Labels:       ${pairs(r.metadata.labels)}`,
    `Annotations:  ${pairs(r.metadata.annotations)}`,
    `Generation:   ${r.generation}`,
    `Applied by:   ${o.appliedBy}${where}`,
    `Created:      ${r.createdAt}`,
    `Updated:      ${r.updatedAt}`,
    `Spec:`,
    indent(toYaml(redactSpec(r.kind, r.spec))),
  ];
  if (r.status) lines.push("Status:", indent(toYaml(r.status)));
  if (r.kind === "Trigger") lines.push(...triggerFirings(store, r));
  const events = store.listEvents({ project: r.metadata.project, kind: r.kind, name: r.metadata.name, limit: 10 });
  lines.push("Events:");
  if (events.length === 0) lines.push("  <none>");
  else lines.push(indent(renderTable(["TIME", "TYPE", "BY", "MESSAGE"], events.map((e) => [e.ts, e.type, e.actor ?? "", e.message]))));
  return lines.join("\n") + "\n";
}

/** How many firings and skips `describe trigger/X` lists. */
const FIRINGS_SHOWN = 20;

/** A trigger's recent firings and skipped firings, newest last, with the task each made or why it made none. */
function triggerFirings(store: Store, r: StoredResource): string[] {
  const of = (type: string) => store.listEvents({ project: r.metadata.project, kind: "Trigger", name: r.metadata.name, type, limit: FIRINGS_SHOWN });
  const events = [...of("trigger_fired"), ...of("trigger_skipped")].sort((a, b) => a.id - b.id).slice(-FIRINGS_SHOWN);
  const lines = ["Recent firings:"];
  if (events.length === 0) return [...lines, "  <none>"];
  const rows = events.map((e) => {
    const d = e.data ?? {};
    const source = typeof d["source"] === "string" ? d["source"] : "";
    if (e.type === "trigger_fired") return [e.ts, "fired", source, typeof d["taskId"] === "string" ? `task ${d["taskId"]}` : ""];
    const reason = typeof d["reason"] === "string" ? d["reason"] : "";
    return [e.ts, "skipped", source, `${reason}: ${e.message.replace(/^trigger\/\S+ skipped a firing: /, "")}`];
  });
  return [...lines, indent(renderTable(["TIME", "OUTCOME", "SOURCE", "TASK OR REASON"], rows))];
}
