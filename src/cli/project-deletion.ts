/**
 * @module Deleting a whole project: its resources, and what its tasks left
 * behind — task records with their items and runs, the runs' log files, the
 * tickets those tasks wrote into a workspace's `ticket_dir` and the status
 * files. Planned first (counted, checked for running tasks), then carried out.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resolveWorkspace } from "../engine/runner/task-context.js";
import { readTickets } from "../engine/runner/tickets.js";
import { statusDir } from "../reconcile/status-files.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import type { TaskRecord, TaskStore } from "../store/task-store.js";

export interface ProjectDeletionPlan {
  project: string;
  tasks: TaskRecord[];
  /** Step executions of those tasks. */
  runs: number;
  /** The runs' log files on disk. */
  logFiles: number;
  /** Absolute paths of tickets the tasks created. */
  tickets: string[];
  /** Tasks a worker is running now: the project is not deleted under them. */
  running: TaskRecord[];
}

export interface ProjectDeletionCounts {
  resources: number;
  tasks: number;
  runs: number;
  logs: number;
  tickets: number;
}

const taskDirs = (home: Home, id: string): string[] => [join(home.dir, "logs", id), join(home.dir, "spill", id)];

export function planProjectDeletion(store: Store, tasks: TaskStore, home: Home, project: string): ProjectDeletionPlan {
  const own = tasks.listTasks({ project });
  const ids = new Set(own.map((t) => t.id));
  const runs = own.flatMap((t) => tasks.listRuns(t.id));
  return {
    project,
    tasks: own,
    runs: runs.length,
    logFiles: new Set(runs.flatMap((r) => (r.logPath && existsSync(r.logPath) ? [r.logPath] : []))).size,
    tickets: ticketsOf(store, home, project, ids),
    running: own.filter((t) => t.phase === "Running"),
  };
}

/** Carries out a plan whose project has no running task; returns what was removed. */
export function deleteProjectAndWork(store: Store, tasks: TaskStore, home: Home, plan: ProjectDeletionPlan, actor: string): ProjectDeletionCounts {
  tasks.deleteTasks(plan.tasks.map((t) => t.id), actor);
  const resources = store.deleteProject(plan.project, actor);
  for (const t of plan.tasks) for (const dir of taskDirs(home, t.id)) rmSync(dir, { recursive: true, force: true });
  for (const ticket of plan.tickets) rmSync(ticket, { force: true });
  rmSync(join(statusDir(home), plan.project), { recursive: true, force: true });
  return { resources, tasks: plan.tasks.length, runs: plan.runs, logs: plan.logFiles, tickets: plan.tickets.length };
}

/** Tickets in the ticket_dir of any of the project's workspaces that one of `taskIds` wrote. */
function ticketsOf(store: Store, home: Home, project: string, taskIds: ReadonlySet<string>): string[] {
  if (taskIds.size === 0) return [];
  const found = new Set<string>();
  for (const ws of store.listResources({ project, kind: "Workspace" })) {
    let dir: string | undefined;
    try {
      dir = resolveWorkspace(store, home, project, ws.metadata.name).ticketDir;
    } catch {
      continue; // a workspace whose root is gone holds no tickets to remove
    }
    for (const t of readTickets(dir)) if (t.task !== undefined && taskIds.has(t.task)) found.add(t.path);
  }
  return [...found].sort();
}
