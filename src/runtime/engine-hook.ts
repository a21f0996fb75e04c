/**
 * @module The engine hook: how a committed Task or Run generation becomes
 * a task record that something executes. The controller queues it for its
 * workers; `watch` with no controller takes it for its own in-process
 * runner; `apply` and `sync` queue it for the controller (starting one in
 * the background when none runs). Engine code is loaded only when a Task or
 * Run is actually there, so an apply of other kinds stays lean.
 */
import type { ControllerHooks, DeclarativeRef, EngineHook } from "../../controllers/types.js";
import type { Home } from "../store/home.js";
import type { Store } from "../store/store.js";
import { openTaskStore, type TaskRecord, type TaskStore } from "../store/task-store.js";
import { CONTROLLER_LOG, ensureController } from "./daemon.js";

export interface EngineHookOptions {
  store: Store;
  tasks: TaskStore;
  home: Home;
  /** False: records are made for the caller to run itself, not for the queue. Default true. */
  queued?: boolean;
  /** A new record this hook made (not called for one that failed at submission). */
  onTask?: (task: TaskRecord) => void;
  log?: (line: string) => void;
}

export function declarativeEngineHook(opts: EngineHookOptions): EngineHook {
  return {
    async enqueueDeclarative(ref: DeclarativeRef): Promise<void> {
      const [{ enqueueDeclarative }, { publishTaskStatus }] = await Promise.all([import("../engine/tasks/submit.js"), import("../engine/runner/resource-status.js")]);
      const task = enqueueDeclarative(opts.store, opts.tasks, opts.home, ref, { queued: opts.queued ?? true });
      if (!task) return;
      const what = `${ref.kind.toLowerCase()}/${ref.name} generation ${ref.generation}`;
      if (task.phase === "Failed") {
        // Refused at submission (a workflow that does not exist, say): the resource's status says why.
        publishTaskStatus(opts.store, opts.home, task, [], new Map());
        opts.log?.(`${what} failed before it started: ${task.message ?? ""}`);
        return;
      }
      opts.log?.(`${opts.queued === false ? "running" : "queued"} ${what} as ${task.id}`);
      opts.onTask?.(task);
    },
  };
}

export interface QueueingHooks {
  hooks: ControllerHooks;
  /** Once the pass is done: sees that a controller runs what was queued; returns lines for the user. */
  settle(opts?: { noDaemon?: boolean }): Promise<string[]>;
}

/**
 * For commands that commit Tasks and Runs from the CLI (`apply`, `sync`):
 * each new generation is queued, and a controller is started in the
 * background to run it when none runs (as `task create` does), unless
 * `--no-daemon` or ORCHESTRATOR_NO_DAEMON says not to.
 */
export function queueingHooks(store: Store, home: Home): QueueingHooks {
  const queued: TaskRecord[] = [];
  const engine = declarativeEngineHook({ store, tasks: openTaskStore(store), home, onTask: (t) => queued.push(t) });
  return {
    hooks: { engine },
    async settle(opts = {}) {
      if (queued.length === 0) return [];
      const lines = queued.map((t) => `${(t.resourceKind ?? "task").toLowerCase()}/${t.resourceName ?? t.name} queued as ${t.id}`);
      const controller = await ensureController(home, opts);
      if (controller === "disabled") lines.push("no controller runs: start one with `orchestrator controller` to run what was queued");
      else if (controller === "started") lines.push(`started a controller in the background to run it (logs: .orchestrator/${CONTROLLER_LOG})`);
      return lines;
    },
  };
}
