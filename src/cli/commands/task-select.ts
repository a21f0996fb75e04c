/**
 * @module Choosing tasks from the command line: a reference (id, unique id
 * prefix or exact name, optionally as `task/REF`), `--latest`, and the `--status`/`--project` filters,
 * with errors a person can act on. Kept free of heavy imports: `task logs`
 * loads it on its fast path.
 */
import {
  AmbiguousIdError,
  TaskNotFoundError,
  type TaskFilter,
  type TaskPhase,
  type TaskRecord,
  type TaskRefScope,
  type TaskStore,
} from "../../store/task-store.js";
import { CliError, UsageError } from "../errors.js";

export const TASK_PHASES: readonly TaskPhase[] = ["Pending", "Running", "Paused", "Completed", "Failed", "Cancelled"];

/** Phases a task never leaves on its own. */
export function isTerminalPhase(phase: TaskPhase): boolean {
  return phase === "Completed" || phase === "Failed" || phase === "Cancelled";
}

/** `--status running` (any case) as a phase; a usage error listing the phases otherwise. */
export function parsePhase(value: string): TaskPhase {
  const found = TASK_PHASES.find((p) => p.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw new UsageError(`unknown status '${value}'; use one of: ${TASK_PHASES.map((p) => p.toLowerCase()).join(", ")}`);
  return found;
}

/** `task/ID`, as `task list -o name` prints it, is the same reference as `ID`. */
export function stripTaskPrefix(ref: string): string {
  return ref.startsWith("task/") && ref.length > "task/".length ? ref.slice("task/".length) : ref;
}

/** The task a reference names, or a CliError saying why there is none (listing the matches when ambiguous). */
export function resolveTaskRef(tasks: Pick<TaskStore, "resolveTask">, ref: string, scope: TaskRefScope = {}): TaskRecord {
  try {
    return tasks.resolveTask(stripTaskPrefix(ref), scope);
  } catch (err) {
    if (err instanceof TaskNotFoundError || err instanceof AmbiguousIdError) {
      throw new CliError(scope.project ? `${err.message} (in project '${scope.project}')` : err.message);
    }
    throw err;
  }
}

export interface TaskListOptions {
  status?: string;
  project?: string;
  /** Only the tasks this task's steps spawned (a reference, resolved first). */
  parent?: string;
}

/** Tasks matching `--status`, `--project` and `--parent`, oldest first. */
export function listTasksFiltered(tasks: TaskStore, opts: TaskListOptions): TaskRecord[] {
  const filter: TaskFilter = {};
  if (opts.status !== undefined) filter.phase = parsePhase(opts.status);
  if (opts.project !== undefined) filter.project = opts.project;
  if (opts.parent !== undefined) filter.parentTaskId = resolveTaskRef(tasks, opts.parent).id;
  return tasks.listTasks(filter);
}

/** The task of `ID` or `--latest` (exactly one of them). */
export function taskFromArgs(tasks: TaskStore, ref: string | undefined, opts: { latest?: boolean; project?: string }): TaskRecord {
  if (ref !== undefined && opts.latest) throw new UsageError("give a task ID or --latest, not both");
  const scope: TaskRefScope = opts.project === undefined ? {} : { project: opts.project };
  if (ref !== undefined) return resolveTaskRef(tasks, ref, scope);
  if (!opts.latest) throw new UsageError("give a task ID (an id, a unique id prefix or a name) or --latest");
  const latest = tasks.latestTask(opts.project);
  if (!latest) throw new CliError(`no tasks${opts.project ? ` in project '${opts.project}'` : ""}; create one with \`orchestrator task create\``);
  return latest;
}

/** `name (id)`, how messages name a task. */
export function taskLabel(task: TaskRecord): string {
  return task.name === task.id ? task.id : `${task.name} (${task.id})`;
}
