/**
 * @module `orchestrator delete KIND/NAME...`: refuses without `--force`
 * unless a person confirms on a terminal. A project goes with the work done
 * in it (project-deletion.ts).
 */
import type { ResourceChange } from "../../store/store.js";
import { openTaskStore } from "../../store/task-store.js";
import { canPrompt, confirm } from "../confirm.js";
import { withStore } from "../context.js";
import { CliError } from "../errors.js";
import { parseRefs, projectOf, storeRegistry } from "../kind-ref.js";
import { plural } from "../output/diagnostics.js";
import { writeOut } from "../output/io.js";
import { deleteProjectAndWork, planProjectDeletion, type ProjectDeletionPlan } from "../project-deletion.js";

export interface DeleteOptions {
  force?: boolean;
  dryRun?: boolean;
  project?: string;
}

export async function deleteCommand(refs: string[], opts: DeleteOptions): Promise<void> {
  await withStore(async ({ store, home }) => {
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
    // A project goes with its tasks, their runs, logs and tickets; never under a running task.
    const tasks = openTaskStore(store);
    const projects = targets.filter((t) => t.ref.kind.kind === "Project").map((t) => planProjectDeletion(store, tasks, home, t.ref.name));
    const busy = projects.flatMap((p) => p.running.map((t) => `project/${p.project}: task ${t.id} (${t.name}) is running; pause it first with \`orchestrator task pause ${t.id}\``));
    if (busy.length) throw new CliError(`${busy.join("\n")}\nnothing was deleted`);
    const work = (p: ProjectDeletionPlan): string => `${plural(p.tasks.length, "task")}, ${plural(p.runs, "run")}, ${plural(p.logFiles, "log")}, ${plural(p.tickets.length, "ticket")}`;
    if (opts.dryRun) {
      writeOut(targets.map((t, i) => `${labels[i]} deleted (dry run)${t.ref.kind.kind === "Project" ? `: with ${work(projects.find((p) => p.project === t.ref.name)!)}` : ""}\n`).join(""));
      return;
    }
    if (!opts.force) {
      const withWork = projects.filter((p) => p.tasks.length > 0).map((p) => ` project/${p.project} takes ${work(p)} with it.`).join("");
      if (!canPrompt()) throw new CliError(`refusing to delete ${labels.join(", ")} without confirmation: no terminal to ask on; pass --force to delete`);
      if (!(await confirm(`Delete ${labels.join(", ")}?${withWork}`))) throw new CliError("aborted; nothing was deleted");
    }
    const changes: ResourceChange[] = targets
      .filter((t) => t.ref.kind.kind !== "Project")
      .map((t) => ({ op: "delete", key: { project: t.project, kind: t.ref.kind.kind, name: t.ref.name }, reason: "deleted" }));
    if (changes.length) store.commit(changes, "cli");
    for (const p of projects) {
      const n = deleteProjectAndWork(store, tasks, home, p, "cli");
      writeOut(`project/${p.project} deleted: ${plural(n.resources, "resource")}, ${plural(n.tasks, "task")}, ${plural(n.runs, "run")}, ${plural(n.logs, "log")}, ${plural(n.tickets, "ticket")} removed\n`);
    }
    writeOut(labels.filter((l) => !l.startsWith("project/")).map((l) => `${l} deleted\n`).join(""));
  });
}
