/**
 * @module A task's safety machinery, for the runner: the checkpoint of each
 * cycle (kept in the task's state, so a resumed cycle rolls back to the
 * checkpoint it started with), rollback with a `workspace_rolled_back`
 * event, and the pinned invariants checked at their points.
 */
import type { JsonObject } from "../../resources/types.js";
import type { Store } from "../../store/store.js";
import type { TaskRecord, TaskStore } from "../../store/task-store.js";
import { InvariantGuard, PINNED_INVARIANTS_KEY, type Verdict } from "../invariants/invariant-guard.js";
import { checkpointProblem, checkpointStrategyOf, CheckpointError, rollbackTo, takeCheckpoint, type Checkpoint, type CheckpointStrategy } from "./safety.js";
import type { TaskContext } from "./task-context.js";
import { restoreBinarySnapshot, snapshotDir, takeBinarySnapshot } from "./binary-snapshot.js";

/** Where in a task's state the current cycle's checkpoint lives. */
export const CHECKPOINT_KEY = "checkpoint";

export interface TaskSafetyDeps {
  ctx: TaskContext;
  store: Store;
  tasks: TaskStore;
  log: (line: string) => void;
  signal?: AbortSignal;
  /** Task variables (`capture_as` writes into them). */
  vars: Record<string, string>;
}

export class TaskSafetyError extends Error {
  override name = "TaskSafetyError";
}

export class TaskSafety {
  private checkpoint: Checkpoint | undefined;

  private constructor(
    private readonly deps: TaskSafetyDeps,
    private readonly strategy: CheckpointStrategy | undefined,
    readonly invariants: InvariantGuard,
    private taskId: string,
  ) {}

  /** Checks the workspace can hold checkpoints and pins the invariants; throws TaskSafetyError when it cannot start. */
  static async start(deps: TaskSafetyDeps, task: TaskRecord): Promise<{ safety: TaskSafety; task: TaskRecord }> {
    const { ctx, tasks } = deps;
    const strategy = checkpointStrategyOf(ctx.workflow.safety);
    if (strategy) {
      const problem = await checkpointProblem(ctx.workspace.root, strategy);
      if (problem) throw new TaskSafetyError(problem);
    }
    let current = task;
    const event = (type: string, message: string, data: JsonObject): void => deps.store.appendEvent({ type, message, data, taskId: task.id, project: ctx.project });
    const guard = InvariantGuard.load(
      task.state,
      ctx.workflow.safety,
      ctx.workspace.root,
      { event, log: deps.log, setVar: (k, v) => (deps.vars[k] = v), ...(deps.signal ? { signal: deps.signal } : {}) },
      (record) => {
        current = tasks.updateTask(task.id, { state: { ...current.state, [PINNED_INVARIANTS_KEY]: record } });
      },
    );
    const safety = new TaskSafety(deps, strategy, guard, task.id);
    const saved = current.state[CHECKPOINT_KEY];
    if (saved && typeof saved === "object" && !Array.isArray(saved)) safety.checkpoint = saved as unknown as Checkpoint;
    return { safety, task: current };
  }

  private event(type: string, message: string, data: JsonObject): void {
    this.deps.store.appendEvent({ type, message, data, taskId: this.taskId, project: this.deps.ctx.project });
  }

  /**
   * The cycle's checkpoint (a cycle resumed after a restart keeps the one it
   * started with), then the `before_cycle` invariants. `task` is the task as
   * the runner last wrote it (its state is the runner's to write); the
   * checkpoint is kept in that state, and `saved` is given the task as stored.
   */
  async beginCycle(cycle: number, task: TaskRecord, saved: (task: TaskRecord) => void): Promise<Verdict | undefined> {
    if (this.strategy && this.checkpoint?.cycle !== cycle) {
      try {
        this.checkpoint = await takeCheckpoint(this.deps.ctx, cycle, this.strategy);
      } catch (err) {
        if (err instanceof CheckpointError) throw new TaskSafetyError(err.message);
        throw err;
      }
      saved(this.deps.tasks.updateTask(this.taskId, { state: { ...task.state, [CHECKPOINT_KEY]: this.checkpoint as unknown as JsonObject } }));
      this.event("checkpoint_created", `cycle ${cycle}: checkpoint ${this.checkpoint.ref}`, { cycle, strategy: this.strategy, ref: this.checkpoint.ref, commit: this.checkpoint.commit });
    }
    this.snapshotBinary(cycle);
    return this.invariants.at("before_cycle", `before cycle ${cycle}`);
  }

  private get snapshots(): boolean {
    return this.deps.ctx.workflow.safety?.["binary_snapshot"] === true || this.deps.ctx.workspace.binarySnapshot;
  }

  private get snapshotPath(): string {
    return snapshotDir(this.deps.ctx.home.dir, this.deps.ctx.workspace.name);
  }

  /** The built output copied aside as the stable build (binary_snapshot). */
  private snapshotBinary(cycle: number): void {
    if (!this.snapshots) return;
    const { ctx } = this.deps;
    try {
      const m = takeBinarySnapshot(ctx.workspace.root, this.snapshotPath, this.taskId, cycle);
      if (!m) {
        this.deps.log(`binary_snapshot: no built output to snapshot in ${ctx.workspace.root} (dist/ of a Node package, or target/release/orchestratord) at cycle ${cycle}`);
        this.event("binary_snapshot_skipped", `cycle ${cycle}: no built output to snapshot`, { cycle });
        return;
      }
      this.event("binary_snapshot_taken", `cycle ${cycle}: ${m.source} (${m.files} files) kept as the stable build`, { cycle, source: m.source, files: m.files, sha256: m.sha256 });
    } catch (err) {
      throw new TaskSafetyError(`binary_snapshot of cycle ${cycle} failed: ${(err as Error).message}`);
    }
  }

  /** The state to save with the cycle, so the checkpoint survives a restart. */
  get checkpointRecord(): JsonObject | undefined {
    return this.checkpoint as unknown as JsonObject | undefined;
  }

  /** Puts the workspace back to this cycle's checkpoint; returns why it could not, or undefined. */
  async rollback(reason: string): Promise<string | undefined> {
    const cp = this.checkpoint;
    if (!cp) return "no checkpoint to roll back to (safety.checkpoint_strategy is none)";
    try {
      await rollbackTo(this.deps.ctx, cp);
    } catch (err) {
      const message = (err as Error).message;
      this.event("rollback_failed", message, { ref: cp.ref, reason });
      this.deps.log(message);
      return message;
    }
    this.deps.log(`rolled the workspace back to ${cp.ref} (cycle ${cp.cycle}): ${reason}`);
    this.event("workspace_rolled_back", `workspace rolled back to ${cp.ref}: ${reason}`, { ref: cp.ref, commit: cp.commit, head: cp.head, cycle: cp.cycle, strategy: cp.strategy, reason });
    // Built output is rarely under git: the stable build goes back with the sources.
    if (this.snapshots) {
      try {
        const m = restoreBinarySnapshot(this.deps.ctx.workspace.root, this.snapshotPath);
        this.event("binary_snapshot_restored", `${m.source} restored from the stable build of cycle ${m.cycle}`, { source: m.source, cycle: m.cycle, sha256: m.sha256 });
      } catch (err) {
        const message = `the stable build could not be restored: ${(err as Error).message}`;
        this.deps.log(message);
        return message;
      }
    }
    return undefined;
  }
}
