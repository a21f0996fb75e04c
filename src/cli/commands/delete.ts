/**
 * @module `orchestrator delete KIND/NAME...`: refuses without `--force`
 * unless a person confirms on a terminal. A project goes with the work done
 * in it (project-deletion.ts); a CustomResourceDefinition whose kind still
 * has instances goes only with `--force`, which deletes them too.
 */
import { hooksByKind, runCrdHook } from "../../reconcile/crd-plugins.js";
import { forgetSourceFiles } from "../../reconcile/sources/forget.js";
import { customKindOf } from "../../resources/crd-kinds.js";
import type { ResourceKey } from "../../resources/types.js";
import type { Home } from "../../store/home.js";
import type { ResourceChange, Store, StoredResource } from "../../store/store.js";
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
    // A CRD whose kind still has instances goes only with --force, and takes them with it.
    const keys = targets.filter((t) => t.ref.kind.kind !== "Project").map((t): ResourceKey => ({ project: t.project, kind: t.ref.kind.kind, name: t.ref.name }));
    const instances = crdInstances(store, keys);
    if (instances.length && !opts.force) {
      throw new CliError(`${instances.map((i) => `${i.crd} still has ${plural(i.resources.length, `${i.kind} instance`)}: ${i.resources.map(projectName).join(", ")}`).join("\n")}\ndelete them first, or pass --force to delete them with it; nothing was deleted`);
    }
    const cascaded = instances.flatMap((i) => i.resources.map((r) => ({ key: keyOf(r), line: `${r.kind.toLowerCase()}/${r.metadata.name} deleted (project ${r.metadata.project})` })));
    const work = (p: ProjectDeletionPlan): string => `${plural(p.tasks.length, "task")}, ${plural(p.runs, "run")}, ${plural(p.logFiles, "log")}, ${plural(p.tickets.length, "ticket")}`;
    if (opts.dryRun) {
      const lines = targets.map((t, i) => `${labels[i]} deleted (dry run)${t.ref.kind.kind === "Project" ? `: with ${work(projects.find((p) => p.project === t.ref.name)!)}` : ""}`);
      writeOut([...lines, ...cascaded.map((c) => `${c.line} (dry run)`)].map((l) => `${l}\n`).join(""));
      return;
    }
    if (!opts.force) {
      const withWork = projects.filter((p) => p.tasks.length > 0).map((p) => ` project/${p.project} takes ${work(p)} with it.`).join("");
      if (!canPrompt()) throw new CliError(`refusing to delete ${labels.join(", ")} without confirmation: no terminal to ask on; pass --force to delete`);
      if (!(await confirm(`Delete ${labels.join(", ")}?${withWork}`))) throw new CliError("aborted; nothing was deleted");
    }
    const changes = new Map<string, ResourceChange>();
    for (const key of [...cascaded.map((c) => c.key), ...keys]) changes.set(`${key.project}\u0000${key.kind}\u0000${key.name}`, { op: "delete", key, reason: "deleted" });
    await runDeleteHooks(store, home, [...cascaded.map((c) => c.key), ...keys]);
    if (changes.size) store.commit([...changes.values()], "cli");
    // A deleted Source's inventory went with it in the commit; its clone or stat cache goes now.
    for (const key of keys) if (key.kind === "Source") forgetSourceFiles(home, key.name);
    for (const p of projects) {
      const n = deleteProjectAndWork(store, tasks, home, p, "cli");
      writeOut(`project/${p.project} deleted: ${plural(n.resources, "resource")}, ${plural(n.tasks, "task")}, ${plural(n.runs, "run")}, ${plural(n.logs, "log")}, ${plural(n.tickets, "ticket")} removed\n`);
    }
    writeOut([...labels.filter((l) => !l.startsWith("project/")).map((l) => `${l} deleted`), ...cascaded.map((c) => c.line)].map((l) => `${l}\n`).join(""));
  });
}

/** The on_delete hooks of custom-kind instances about to go; the first failure refuses the whole deletion. */
async function runDeleteHooks(store: Store, home: Home, keys: readonly ResourceKey[]): Promise<void> {
  const hooked = hooksByKind(store.listResources({ kind: "CustomResourceDefinition", allProjects: true }));
  for (const key of keys) {
    const command = hooked.get(key.kind)?.["on_delete"];
    if (typeof command !== "string") continue;
    const r = store.getResource(key);
    try {
      await runCrdHook(command, home.root, home.dir, { kind: key.kind, name: key.name, project: key.project, action: "delete", spec: r?.spec ?? {} });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\nnothing was deleted`);
    }
  }
}

interface CrdInstances {
  crd: string;
  kind: string;
  resources: StoredResource[];
}

/** Instances, in every project, of the kinds the CRDs among `keys` define; instances named in `keys` themselves excluded. */
function crdInstances(store: Store, keys: readonly ResourceKey[]): CrdInstances[] {
  const named = new Set(keys.map((k) => `${k.project}\u0000${k.kind}\u0000${k.name}`));
  const out: CrdInstances[] = [];
  for (const key of keys.filter((k) => k.kind === "CustomResourceDefinition")) {
    const crd = store.getResource(key);
    const kind = crd && customKindOf(crd)?.kind;
    if (!kind) continue;
    const resources = store.listResources({ kind, allProjects: true }).filter((r) => !named.has(`${r.metadata.project}\u0000${r.kind}\u0000${r.metadata.name}`));
    if (resources.length) out.push({ crd: `customresourcedefinition/${key.name}`, kind, resources });
  }
  return out;
}

const keyOf = (r: StoredResource): ResourceKey => ({ project: r.metadata.project, kind: r.kind, name: r.metadata.name });
const projectName = (r: StoredResource): string => `${r.metadata.project}/${r.metadata.name}`;
