/**
 * The task runner against both stores, in process: the outcome of a task
 * run from its claim; what that costs in round trips on PostgreSQL (each
 * read the runner makes there is one, through the bridge); and a pause
 * written by another connection (another host) while a step runs, which the
 * runner must still see, letting go of the task only after its logs are copied.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runTask } from "../../../src/engine/runner/task-runner.js";
import type { PgStore } from "../../../src/store/postgres/pg-store.js";
import { openTaskStore, type NewTask, type TaskRecord } from "../../../src/store/task-store.js";
import { describeStores, type AnyStore } from "../../store/contract/backends.js";
import { tempDir, write } from "../../store/helpers.js";

const newTask = (workflow: string, workspace: string): NewTask => ({ name: workflow, project: "default", origin: "cli", workflow, workspace, goal: "", spec: { steps: [], vars: {}, targetFiles: [] }, queued: true });

/** Round trips fn makes on a PostgreSQL store; undefined on SQLite. */
async function roundTrips<T>(backend: string, store: AnyStore, fn: () => Promise<T>): Promise<{ value: T; requests: number | undefined }> {
  const db = backend === "postgres" ? (store as PgStore).db : undefined;
  const before = db?.requests ?? 0;
  const value = await fn();
  return { value, requests: db ? db.requests - before : undefined };
}

describeStores("the task runner on a store", (b) => {
  const setUp = (workflows: Record<string, object>) => {
    const { home, store } = b.newStore();
    const root = tempDir();
    mkdirSync(join(root, "docs"));
    for (const n of ["a", "b"]) writeFileSync(join(root, "docs", `${n}.md`), `# ${n}\n`);
    store.commit(
      [
        { op: "create", resource: write("Workspace", "w", { root_path: root }) },
        { op: "create", resource: write("Workspace", "with-items", { root_path: root, qa_targets: ["docs"] }) },
        ...Object.entries(workflows).map(([name, spec]) => ({ op: "create" as const, resource: write("Workflow", name, spec as never) })),
      ],
      "test",
    );
    const tasks = openTaskStore(store);
    const claim = (workflow: string, workspace = "w"): TaskRecord => {
      tasks.createTask(newTask(workflow, workspace));
      return tasks.claimNextTask("host:1:w0")!;
    };
    return { home, store, tasks, claim };
  };

  it("runs a one-step task from its claim to Completed; on PostgreSQL in at most 15 round trips", async () => {
    const { home, store, tasks, claim } = setUp({ one: { steps: [{ id: "s", scope: "task", command: "true" }], allow_no_items: true } });
    // The first task fills the runner's caches of the project's resources.
    expect((await runTask(claim("one"), { store, tasks, home })).phase).toBe("Completed");
    const claimed = claim("one");
    const { value: done, requests } = await roundTrips(b.name, store, () => runTask(claimed, { store, tasks, home, pollMs: 60_000 }));
    expect(done).toMatchObject({ phase: "Completed", exitCode: 0, claimedBy: null, queued: false, cycle: 1 });
    expect(tasks.getTask(claimed.id)).toEqual(done);
    expect(tasks.listRuns(claimed.id)).toMatchObject([{ stepId: "s", status: "succeeded", exitCode: 0, command: "command" }]);
    expect(store.listEvents({ taskId: claimed.id }).map((e) => e.type)).toEqual(["task_created", "task_queued", "task_started", "cycle_started", "step_started", "run_result", "cycle_finished", "task_completed"]);
    // The resources version, the items, the cycle's start (2), the run's start (2), details, process
    // and end (2), the state after the step, the runs for steps that could not start, and the outcome (3).
    if (requests !== undefined) expect(requests).toBeLessThanOrEqual(15);
  });

  it("runs item steps over two cycles and settles each item; the task fails for the item left unresolved", async () => {
    const { home, store, tasks, claim } = setUp({
      items: {
        steps: [{ id: "qa", command: 'case "{rel_path}" in *b.md) exit 1;; esac' }],
        loop: { mode: "fixed", max_cycles: 2 },
      },
    });
    const claimed = claim("items", "with-items");
    const done = await runTask(claimed, { store, tasks, home });
    expect(done).toMatchObject({ phase: "Failed", cycle: 2, message: "failed: 1 item(s) unresolved" });
    expect(tasks.listItems(claimed.id).map((i) => [i.path, i.status, i.failures])).toEqual([
      ["docs/a.md", "qa_passed", 0],
      ["docs/b.md", "unresolved", 2],
    ]);
    expect(tasks.listRuns(claimed.id).map((r) => `${r.cycle}/${r.stepId}/${r.status}`)).toEqual(["1/qa/succeeded", "1/qa/failed", "2/qa/failed"]);
    expect(tasks.getTask(claimed.id)!.state).toMatchObject({ loop: { stoppedBy: "max_cycles", cycle: 2 } });
  });

  it("sees a pause written by another connection while a step runs: the step is stopped, the task stays Paused, and the runner lets go of it after beforeOutcome", async () => {
    const { home, store, tasks, claim } = setUp({ slow: { steps: [{ id: "s", scope: "task", command: "sleep 30" }], allow_no_items: true } });
    const claimed = claim("slow");
    // What beforeOutcome (where a shared store's logs are copied) finds: the step stopped, the task still held.
    const seen: string[] = [];
    const beforeOutcome = (id: string): void => {
      const t = tasks.getTask(id)!;
      seen.push(`${t.phase} ${t.claimedBy} ${tasks.listRuns(id).map((r) => r.status).join(",")}`);
    };
    const running = runTask(claimed, { store, tasks, home, pollMs: 50, beforeOutcome });
    const other = b.reopen(home);
    try {
      const otherTasks = openTaskStore(other);
      while (otherTasks.listRuns(claimed.id).length === 0) await new Promise((r) => setTimeout(r, 20));
      otherTasks.updateTask(claimed.id, { phase: "Paused", message: "paused from another host" }, "cli");
      const done = await running;
      expect(done).toMatchObject({ phase: "Paused", message: "paused from another host", claimedBy: null });
      expect(tasks.listRuns(claimed.id)).toMatchObject([{ stepId: "s", status: "cancelled" }]);
      expect(seen).toEqual(["Paused host:1:w0 cancelled"]);
      // Released after beforeOutcome: whoever sees the claim gone (`task logs -f` on another host) finds the whole log.
      expect(tasks.getTask(claimed.id)).toMatchObject({ phase: "Paused", queued: false, claimedBy: null });
    } finally {
      other.close();
    }
  });
});
