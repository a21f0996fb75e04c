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
  const events = store.listEvents({ project: r.metadata.project, kind: r.kind, name: r.metadata.name, limit: 10 });
  lines.push("Events:");
  if (events.length === 0) lines.push("  <none>");
  else lines.push(indent(renderTable(["TIME", "TYPE", "BY", "MESSAGE"], events.map((e) => [e.ts, e.type, e.actor ?? "", e.message]))));
  return lines.join("\n") + "\n";
}
