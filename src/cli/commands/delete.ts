/**
 * @module `orchestrator delete KIND/NAME...`: refuses without `--force`
 * unless a person confirms on a terminal.
 */
import type { ResourceChange } from "../../store/store.js";
import { canPrompt, confirm } from "../confirm.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { parseRefs, projectOf, storeRegistry } from "../kind-ref.js";
import { writeOut } from "../output/io.js";

export interface DeleteOptions {
  force?: boolean;
  dryRun?: boolean;
  project?: string;
}

export async function deleteCommand(refs: string[], opts: DeleteOptions): Promise<void> {
  await withStore(async ({ store }) => {
    const targets = parseRefs(storeRegistry(store), refs).map((ref) => ({ ref, project: projectOf(ref.kind, opts.project) }));
    const missing = targets.filter((t) =>
      t.ref.kind.kind === "Project"
        ? !store.listProjects().includes(t.ref.name)
        : !store.getResource({ project: t.project, kind: t.ref.kind.kind, name: t.ref.name }),
    );
    if (missing.length) {
      throw new CliError(
        missing.map((t) => `${t.ref.kind.kind.toLowerCase()}/${t.ref.name} not found${t.ref.kind.projectScoped ? ` in project '${t.project}'` : ""}`).join("\n") +
          "\nnothing was deleted",
      );
    }
    const labels = targets.map((t) => `${t.ref.kind.kind.toLowerCase()}/${t.ref.name}`);
    if (opts.dryRun) {
      writeOut(labels.map((l) => `${l} deleted (dry run)\n`).join(""));
      return;
    }
    if (!opts.force) {
      if (!canPrompt()) throw new CliError(`refusing to delete ${labels.join(", ")} without confirmation: no terminal to ask on; pass --force to delete`);
      if (!(await confirm(`Delete ${labels.join(", ")}?`))) throw new CliError("aborted; nothing was deleted");
    }
    const projects = targets.filter((t) => t.ref.kind.kind === "Project");
    const changes: ResourceChange[] = targets
      .filter((t) => t.ref.kind.kind !== "Project")
      .map((t) => ({ op: "delete", key: { project: t.project, kind: t.ref.kind.kind, name: t.ref.name }, reason: "deleted" }));
    if (changes.length) store.commit(changes, "cli");
    for (const p of projects) {
      const n = store.deleteProject(p.ref.name, "cli");
      writeOut(`project/${p.ref.name} deleted (${n} resource${n === 1 ? "" : "s"} removed)\n`);
    }
    writeOut(labels.filter((l) => !l.startsWith("project/")).map((l) => `${l} deleted\n`).join(""));
  });
}
