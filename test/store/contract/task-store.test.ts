import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ReadonlyStoreError } from "../../../src/store/errors.js";
import * as q from "../../../src/store/sqlite/task-queries.js";
import {
  AmbiguousIdError,
  openTaskStore,
  RunFinishedError,
  TaskNotFoundError,
  TaskRecordNotFoundError,
  type NewTask,
  type TaskStore,
} from "../../../src/store/task-store.js";
import { describeStores, type AnyStore } from "./backends.js";

describeStores("TaskStore", (b) => {
const newStore = b.newStore;

function task(name: string, o: Partial<NewTask> = {}): NewTask {
  return {
    name,
    project: "default",
    origin: "cli",
    workflow: "qa",
    workspace: "ws",
    goal: `do ${name}`,
    spec: { steps: ["qa"], vars: { env: "prod" }, targetFiles: ["docs/a.md"] },
    queued: true,
    ...o,
  };
}

function fresh(): { store: AnyStore; tasks: TaskStore } {
  const { store } = newStore();
  return { store, tasks: store.taskStore() };
}

/** The shortest prefix of `a` that `b` does not share. */
function uniquePrefix(a: string, b: string): string {
  let k = 0;
  while (a[k] === b[k]) k++;
  return a.slice(0, k + 1);
}

describe("tasks", () => {
  it("createTask stores every field, Pending and queued, and records task_created then task_queued", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(
      task("login", { origin: "manifest", resourceKind: "Task", resourceName: "login", resourceGeneration: 3 }),
      "cli",
    );
    expect(t.id).toMatch(/^t-[0-9a-z]{14}$/);
    expect(t).toMatchObject({
      name: "login",
      project: "default",
      origin: "manifest",
      resourceKind: "Task",
      resourceName: "login",
      resourceGeneration: 3,
      phase: "Pending",
      queued: true,
      claimedBy: null,
      cycle: 0,
      state: {},
      exitCode: null,
      startedAt: null,
      finishedAt: null,
    });
    expect(tasks.getTask(t.id)).toEqual(t);
    const events = store.listEvents({ taskId: t.id });
    expect(events.map((e) => e.type)).toEqual(["task_created", "task_queued"]);
    expect(events[0]).toMatchObject({ project: "default", kind: "Task", name: "login", actor: "cli", data: { task: "login", generation: 3 } });
    // The --set vars never reach an event.
    expect(JSON.stringify(events)).not.toContain("prod");
    store.close();
  });

  it("a task created with queued=false records no task_queued and is never claimed", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("later", { queued: false }));
    expect(store.listEvents({ taskId: t.id }).map((e) => e.type)).toEqual(["task_created"]);
    expect(tasks.claimNextTask("w")).toBeUndefined();
    expect(tasks.getTask(t.id)?.phase).toBe("Pending");
    store.close();
  });

  it("ids sort in creation order", () => {
    const { store, tasks } = fresh();
    const ids = Array.from({ length: 50 }, (_, i) => tasks.createTask(task(`t${i}`)).id);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
    store.close();
  });

  it("findTask takes a full id, a unique id prefix or a unique name; ambiguity is undefined and resolveTask says why", () => {
    const { store, tasks } = fresh();
    const a = tasks.createTask(task("alpha"));
    const b = tasks.createTask(task("beta"));
    const b2 = tasks.createTask(task("beta", { project: "other" }));
    expect(tasks.findTask(a.id)?.id).toBe(a.id);
    expect(tasks.findTask(uniquePrefix(a.id, b.id))?.id).toBe(a.id);
    expect(tasks.findTask("alpha")?.id).toBe(a.id);

    // "t-" starts every id; "beta" names two tasks.
    expect(tasks.findTask("t-")).toBeUndefined();
    expect(tasks.findTask("beta")).toBeUndefined();
    expect(tasks.matchTasks("beta").map((t) => t.id)).toEqual([b.id, b2.id]);
    let err: unknown;
    try {
      tasks.resolveTask("beta");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AmbiguousIdError);
    expect((err as AmbiguousIdError).matches.map((m) => m.id)).toEqual([b.id, b2.id]);
    expect((err as Error).message).toContain(b2.id);
    expect(() => tasks.resolveTask("t-")).toThrow(AmbiguousIdError);

    // A project scope settles a repeated name.
    expect(tasks.findTask("beta", { project: "other" })?.id).toBe(b2.id);
    expect(tasks.resolveTask("beta", { project: "default" }).id).toBe(b.id);
    expect(tasks.findTask(a.id, { project: "other" })).toBeUndefined();

    expect(tasks.findTask("nothing")).toBeUndefined();
    expect(tasks.findTask("")).toBeUndefined();
    expect(() => tasks.resolveTask("t-zzzz")).toThrow(TaskNotFoundError);
    store.close();
  });

  it("listTasks filters by project, phase, origin and resource; limit keeps the newest, oldest first", () => {
    const { store, tasks } = fresh();
    const a = tasks.createTask(task("a"));
    const b = tasks.createTask(task("b", { project: "p2", origin: "run", resourceKind: "Run", resourceName: "nightly" }));
    const c = tasks.createTask(task("c", { origin: "trigger" }));
    tasks.updateTask(c.id, { phase: "Failed" });
    const ids = (f?: Parameters<TaskStore["listTasks"]>[0]) => tasks.listTasks(f).map((t) => t.id);
    expect(ids()).toEqual([a.id, b.id, c.id]);
    expect(ids({ project: "default" })).toEqual([a.id, c.id]);
    expect(ids({ phase: "Failed" })).toEqual([c.id]);
    expect(ids({ project: "default", phase: "Pending" })).toEqual([a.id]);
    expect(ids({ origin: "run" })).toEqual([b.id]);
    expect(ids({ resourceKind: "Run", resourceName: "nightly" })).toEqual([b.id]);
    expect(ids({ resourceName: "other" })).toEqual([]);
    expect(ids({ limit: 2 })).toEqual([b.id, c.id]);
    expect(tasks.latestTask()?.id).toBe(c.id);
    expect(tasks.latestTask("p2")?.id).toBe(b.id);
    expect(tasks.latestTask("none")).toBeUndefined();
    store.close();
  });

  it("pageTasks gives one page newest first with the total that match; taskProgress counts items and runs by status", () => {
    const { tasks } = fresh();
    const made = ["a", "b", "c", "d", "e"].map((n, i) => tasks.createTask(task(n, { project: i % 2 ? "other" : "default" })));
    tasks.updateTask(made[4]!.id, { phase: "Failed" });
    const first = tasks.pageTasks({}, { offset: 0, limit: 2 });
    expect(first.total).toBe(5);
    expect(first.tasks.map((t) => t.name)).toEqual(["e", "d"]);
    expect(tasks.pageTasks({}, { offset: 4, limit: 2 }).tasks.map((t) => t.name)).toEqual(["a"]);
    expect(tasks.pageTasks({ project: "default", limit: 1 }, { offset: 0, limit: 10 })).toMatchObject({ total: 3 });
    expect(tasks.pageTasks({ project: "default", phase: "Failed" }, { offset: 0, limit: 10 }).tasks.map((t) => t.name)).toEqual(["e"]);
    expect(tasks.pageTasks({ project: "nowhere" }, { offset: 0, limit: 10 })).toEqual({ tasks: [], total: 0 });
    expect(tasks.countTasks({ phase: "Pending", queued: true })).toBe(4);
    expect(tasks.countTasks({ queued: false })).toBe(1);

    const [i1, i2] = tasks.createItems(made[0]!.id, [{ path: "one.md" }, { path: "two.md" }]);
    tasks.updateItem(i1!.id, { status: "resolved" });
    const r = tasks.createRun({ taskId: made[0]!.id, itemId: i2!.id, stepId: "qa", cycle: 1, agent: null, command: "true", logPath: null });
    tasks.createRun({ taskId: made[0]!.id, itemId: i1!.id, stepId: "qa", cycle: 1, agent: null, command: "true", logPath: null });
    tasks.finishRun(r.id, { status: "failed", exitCode: 1 });
    const progress = tasks.taskProgress([made[0]!.id, made[1]!.id]);
    expect(progress.get(made[0]!.id)).toEqual({ items: { resolved: 1, pending: 1 }, runs: { failed: 1, running: 1 } });
    expect(progress.has(made[1]!.id)).toBe(false);
    expect(tasks.taskProgress([]).size).toBe(0);
  });

  it("claimNextTask takes the oldest queued task, marks it Running for the worker and records task_started", () => {
    const { store, tasks } = fresh();
    const first = tasks.createTask(task("first"));
    tasks.createTask(task("held", { queued: false }));
    const second = tasks.createTask(task("second"));
    const claimed = tasks.claimNextTask("worker-1");
    expect(claimed).toMatchObject({ id: first.id, phase: "Running", queued: false, claimedBy: "worker-1" });
    expect(claimed?.startedAt).not.toBeNull();
    expect(tasks.getTask(first.id)).toEqual(claimed);
    expect(store.listEvents({ taskId: first.id, type: "task_started" })).toMatchObject([
      { actor: "worker-1", data: { worker: "worker-1" } },
    ]);
    expect(tasks.claimNextTask("worker-2")?.id).toBe(second.id);
    const eventsBefore = store.listEvents().length;
    expect(tasks.claimNextTask("worker-3")).toBeUndefined();
    expect(store.listEvents()).toHaveLength(eventsBefore);
    expect(tasks.listClaimedTasks().map((t) => [t.id, t.claimedBy])).toEqual([
      [first.id, "worker-1"],
      [second.id, "worker-2"],
    ]);
    store.close();
  });
});

describe("updateTask", () => {
  it("records one event per transition, sets timestamps, and pause/cancel take a task off the queue", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("job"));
    tasks.claimNextTask("w");
    const paused = tasks.updateTask(t.id, { phase: "Paused" }, "cli");
    expect(paused).toMatchObject({ phase: "Paused", queued: false });
    expect(tasks.claimNextTask("w")).toBeUndefined();

    // Resume by requeueing: the claim is a resume, not a start.
    tasks.updateTask(t.id, { queued: true }, "cli");
    const resumed = tasks.claimNextTask("w2");
    expect(resumed).toMatchObject({ phase: "Running", claimedBy: "w2", startedAt: paused.startedAt });

    const done = tasks.updateTask(t.id, { phase: "Completed", exitCode: 0, cycle: 2, state: { loop: { n: 2 } } });
    expect(done).toMatchObject({ phase: "Completed", exitCode: 0, cycle: 2, state: { loop: { n: 2 } } });
    expect(done.finishedAt).not.toBeNull();
    expect(tasks.getTask(t.id)).toEqual(done);
    expect(tasks.listClaimedTasks()).toEqual([]);

    const events = store.listEvents({ taskId: t.id });
    expect(events.map((e) => e.type)).toEqual([
      "task_created",
      "task_queued",
      "task_started",
      "task_paused",
      "task_queued",
      "task_resumed",
      "task_completed",
    ]);
    expect(events.at(-1)?.data).toMatchObject({ exitCode: 0, phase: "Completed" });

    // A patch that changes nothing that matters records nothing.
    tasks.updateTask(t.id, { message: "note" });
    expect(store.listEvents({ taskId: t.id })).toHaveLength(events.length);
    store.close();
  });

  it("cancelling a queued task keeps workers from claiming it; retrying a failed one clears its result", () => {
    const { store, tasks } = fresh();
    const c = tasks.createTask(task("cancel-me"));
    tasks.updateTask(c.id, { phase: "Cancelled" });
    expect(tasks.claimNextTask("w")).toBeUndefined();

    const f = tasks.createTask(task("fail-me"));
    tasks.claimNextTask("w");
    const failed = tasks.updateTask(f.id, { phase: "Failed", exitCode: 1, message: "step qa failed" });
    expect(failed.finishedAt).not.toBeNull();
    const retried = tasks.updateTask(f.id, { phase: "Pending", queued: true });
    expect(retried).toMatchObject({ finishedAt: null, exitCode: null, queued: true });
    expect(tasks.claimNextTask("w")?.id).toBe(f.id);
    const types = store.listEvents({ taskId: f.id }).map((e) => e.type);
    // A failed task going back to work is resumed, as a paused one is.
    expect(types).toEqual(["task_created", "task_queued", "task_started", "task_failed", "task_resumed", "task_queued", "task_started"]);
    expect(store.listEvents({ taskId: f.id, type: "task_failed" })[0]?.message).toContain("step qa failed");
    expect(store.listEvents({ taskId: c.id }).map((e) => e.type)).toContain("task_cancelled");
    store.close();
  });

  it("releaseClaim clears a claim only while the worker named holds it, and changes nothing else", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("held"));
    tasks.claimNextTask("w1");
    const paused = tasks.updateTask(t.id, { phase: "Paused", message: "paused" }, "cli");
    const events = store.listEvents({ taskId: t.id }).length;
    expect(tasks.releaseClaim(t.id, "w2")).toBe(false);
    expect(tasks.getTask(t.id)?.claimedBy).toBe("w1");
    expect(tasks.releaseClaim(t.id, "w1")).toBe(true);
    const released = tasks.getTask(t.id)!;
    expect(released).toMatchObject({ phase: "Paused", queued: false, message: "paused", claimedBy: null, cycle: paused.cycle, state: paused.state });
    expect(released.updatedAt >= paused.updatedAt).toBe(true);
    expect(store.listEvents({ taskId: t.id })).toHaveLength(events);
    // Resumed and claimed by another worker meanwhile: the first runner's release leaves the new claim alone.
    tasks.updateTask(t.id, { phase: "Pending", queued: true }, "cli");
    tasks.claimNextTask("w3");
    expect(tasks.releaseClaim(t.id, "w1")).toBe(false);
    expect(tasks.getTask(t.id)?.claimedBy).toBe("w3");
    expect(tasks.releaseClaim("t-missing", "w1")).toBe(false);
    store.close();
  });

  it("throws TaskNotFoundError for a missing task and writes nothing", () => {
    const { store, tasks } = fresh();
    const before = store.listEvents().length;
    expect(() => tasks.updateTask("t-missing", { phase: "Running" })).toThrow(TaskNotFoundError);
    expect(() => tasks.updateTask("t-missing", { state: { a: 1 }, cycle: 2 })).toThrow(TaskNotFoundError);
    expect(store.listEvents()).toHaveLength(before);
    store.close();
  });

  it("a patch of state and cycle keeps what another process changed meanwhile (a pause) and returns the row as stored", () => {
    const { home, store } = newStore();
    const tasks = store.taskStore();
    const t = tasks.createTask(task("held"));
    const running = tasks.updateTask(t.id, { phase: "Running", queued: false, claimedBy: "w:1" });
    const other = b.reopen(home);
    other.taskStore().updateTask(t.id, { phase: "Paused", message: "paused elsewhere" }, "cli");
    const saved = tasks.updateTask(t.id, { state: { ...running.state, vars: { a: "1" } }, cycle: 3 });
    expect(saved).toMatchObject({ phase: "Paused", queued: false, claimedBy: "w:1", message: "paused elsewhere", cycle: 3, state: { vars: { a: "1" } } });
    expect(tasks.getTask(t.id)).toEqual(saved);
    expect(saved.updatedAt >= running.updatedAt).toBe(true);
    other.close();
    store.close();
  });
});

describe("items", () => {
  it("are created pending in order, read back, updated, and need their task", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("items"));
    const items = tasks.createItems(t.id, [{ path: "docs/qa/b.md", vars: { n: 1 } }, { path: "docs/qa/a.md" }, { path: "" }]);
    expect(items.map((i) => i.path)).toEqual(["docs/qa/b.md", "docs/qa/a.md", ""]);
    expect(items[0]).toMatchObject({ taskId: t.id, status: "pending", vars: { n: 1 }, failures: 0 });
    expect(items[0]?.id).toMatch(/^i-/);
    expect(tasks.listItems(t.id)).toEqual(items);

    const id = items[1]!.id;
    const updated = tasks.updateItem(id, { status: "unresolved", failures: 2 });
    expect(updated).toMatchObject({ status: "unresolved", failures: 2, vars: {} });
    expect(tasks.getItem(id)).toEqual(updated);
    expect(tasks.updateItem(id, { vars: { fixed: true } })).toMatchObject({ status: "unresolved", vars: { fixed: true } });

    expect(() => tasks.createItems("t-missing", [{ path: "x" }])).toThrow(TaskNotFoundError);
    expect(() => tasks.updateItem("i-missing", { status: "resolved" })).toThrow(TaskRecordNotFoundError);
    expect(tasks.getItem("i-missing")).toBeUndefined();
    store.close();
  });
});

describe("runs", () => {
  it("a run starts running with step_started, and finishing records exactly one run_result with its data", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("runner"));
    const [item] = tasks.createItems(t.id, [{ path: "docs/qa/login.md" }]);
    const run = tasks.createRun({
      taskId: t.id,
      itemId: item!.id,
      stepId: "qa",
      cycle: 1,
      agent: "coder",
      command: "claude -p 'secret-ish prompt'",
      logPath: "logs/t/qa.log",
    });
    expect(run).toMatchObject({ status: "running", finishedAt: null, durationMs: null, exitCode: null });
    expect(run.id).toMatch(/^r-/);
    expect(store.listEvents({ type: "step_started" })).toMatchObject([
      { taskId: t.id, runId: run.id, data: { runId: run.id, step: "qa", item: "docs/qa/login.md", agent: "coder" } },
    ]);
    expect(tasks.listUnfinishedRuns(t.id).map((r) => r.id)).toEqual([run.id]);

    tasks.setRunProcess(run.id, 4242, 4242);
    expect(tasks.getRun(run.id)).toMatchObject({ pid: 4242, pgid: 4242 });

    const output = { stdout_tail: "raw", confidence: 0.4, artifacts: [{ kind: "ticket" }], captures: { vars: { score: "7" }, flags: {}, problems: [] } };
    const done = tasks.finishRun(run.id, { status: "failed", exitCode: 3, reason: "exit 3", output });
    expect(done).toMatchObject({ status: "failed", exitCode: 3, reason: "exit 3", output });
    expect(done.finishedAt).not.toBeNull();
    // One clock: the duration is exactly finishedAt - startedAt; the process ids belong to a running run only.
    expect(done.durationMs).toBe(Date.parse(done.finishedAt!) - Date.parse(done.startedAt));
    expect(done).toMatchObject({ pid: null, pgid: null });
    expect(tasks.getRun(run.id)).toEqual(done);

    const results = store.listEvents({ type: "run_result" });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ taskId: t.id, runId: run.id, project: "default" });
    expect(results[0]?.data).toEqual({
      runId: run.id,
      taskId: t.id,
      task: "runner",
      itemId: item!.id,
      item: "docs/qa/login.md",
      step: "qa",
      cycle: 1,
      agent: "coder",
      exitCode: 3,
      status: "failed",
      reason: "exit 3",
      durationMs: done.durationMs,
      logPath: "logs/t/qa.log",
      startedAt: run.startedAt,
      finishedAt: done.finishedAt,
      // The parsed output, not the raw stdout tail.
      output: { artifacts: [{ kind: "ticket" }], confidence: 0.4, captures: { score: "7" } },
    });
    expect(JSON.stringify(results[0]?.data)).not.toContain("raw");
    // The command (where a rendered secret could be) stays out of events.
    expect(JSON.stringify(store.listEvents())).not.toContain("secret-ish");

    // A second finish is refused and records nothing.
    expect(() => tasks.finishRun(run.id, { status: "succeeded", exitCode: 0 })).toThrow(RunFinishedError);
    expect(store.listEvents({ type: "run_result" })).toHaveLength(1);
    expect(tasks.getRun(run.id)?.status).toBe("failed");
    expect(tasks.listUnfinishedRuns(t.id)).toEqual([]);
    store.close();
  });

  it("a run created already finished (skipped) records its run_result at once", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("skip"));
    const run = tasks.createRun({ taskId: t.id, itemId: null, stepId: "fix", cycle: 1, agent: null, command: null, logPath: null, status: "skipped", reason: "prehook false" });
    expect(run).toMatchObject({ status: "skipped", durationMs: 0, reason: "prehook false" });
    expect(run.finishedAt).toBe(run.startedAt);
    expect(store.listEvents({ type: "step_started" })).toEqual([]);
    expect(store.listEvents({ type: "run_result" })).toMatchObject([{ runId: run.id, data: { status: "skipped", item: null } }]);
    expect(() => tasks.finishRun(run.id, { status: "succeeded", exitCode: 0 })).toThrow(RunFinishedError);
    store.close();
  });

  it("lists runs in order and unfinished runs across tasks; refuses unknown ids", () => {
    const { store, tasks } = fresh();
    const a = tasks.createTask(task("a"));
    const b = tasks.createTask(task("b"));
    const newRun = (taskId: string, stepId: string) =>
      tasks.createRun({ taskId, itemId: null, stepId, cycle: 1, agent: "x", command: null, logPath: null });
    const a1 = newRun(a.id, "one");
    const a2 = newRun(a.id, "two");
    const b1 = newRun(b.id, "one");
    tasks.finishRun(a1.id, { status: "succeeded", exitCode: 0 });
    expect(tasks.listRuns(a.id).map((r) => r.id)).toEqual([a1.id, a2.id]);
    expect(tasks.listUnfinishedRuns().map((r) => r.id)).toEqual([a2.id, b1.id]);
    expect(tasks.listUnfinishedRuns(b.id).map((r) => r.id)).toEqual([b1.id]);

    const unfinished = tasks.listUnfinishedRuns().length;
    expect(() => newRun("t-missing", "x")).toThrow(TaskNotFoundError);
    // Nothing of the refused run is kept.
    expect(tasks.listUnfinishedRuns()).toHaveLength(unfinished);
    expect(() => tasks.finishRun("r-missing", { status: "failed", exitCode: 1 })).toThrow(TaskRecordNotFoundError);
    expect(() => tasks.finishRun(a2.id, { status: "running", exitCode: null })).toThrow(/give the status/);
    expect(() => tasks.setRunProcess("r-missing", 1, 1)).toThrow(TaskRecordNotFoundError);
    expect(tasks.getRun("r-missing")).toBeUndefined();
    store.close();
  });
});

describe("deleteTasks", () => {
  it("removes tasks with their items and runs in one go, keeps their events and records task_deleted", () => {
    const { store, tasks } = fresh();
    const gone = tasks.createTask(task("gone"));
    const kept = tasks.createTask(task("kept"));
    tasks.createItems(gone.id, [{ path: "a" }, { path: "b" }]);
    const run = tasks.createRun({ taskId: gone.id, itemId: null, stepId: "qa", cycle: 1, agent: "x", command: null, logPath: null });
    tasks.finishRun(run.id, { status: "succeeded", exitCode: 0 });
    tasks.createRun({ taskId: kept.id, itemId: null, stepId: "qa", cycle: 1, agent: "x", command: null, logPath: null });

    expect(tasks.deleteTasks([gone.id, gone.id, "t-unknown"], "cli")).toBe(1);
    expect(tasks.getTask(gone.id)).toBeUndefined();
    expect(tasks.listItems(gone.id)).toEqual([]);
    expect(tasks.listRuns(gone.id)).toEqual([]);
    expect(tasks.getRun(run.id)).toBeUndefined();
    expect(tasks.listTasks().map((t) => t.id)).toEqual([kept.id]);
    expect(tasks.listRuns(kept.id)).toHaveLength(1);

    const history = store.listEvents({ taskId: gone.id }).map((e) => e.type);
    expect(history).toEqual(["task_created", "task_queued", "step_started", "run_result", "task_deleted"]);
    expect(store.listEvents({ type: "task_deleted" })).toMatchObject([{ actor: "cli", data: { task: "gone", items: 2, runs: 1 } }]);
    expect(tasks.deleteTasks([])).toBe(0);
    store.close();
  });
});

describe("store glue", () => {
  it("openTaskStore gives the TaskStore of an open Store, sharing its database", () => {
    const { home, store } = newStore();
    const generic = b.reopen(home);
    const tasks = openTaskStore(generic);
    expect(openTaskStore(generic)).toBe(tasks);
    const t = tasks.createTask(task("shared"));
    expect(store.taskStore().getTask(t.id)?.name).toBe("shared");
    expect(generic.listEvents({ taskId: t.id })).toHaveLength(2);
    generic.close();
    store.close();
  });

  it("a read-only store reads tasks and refuses to write them", () => {
    const { home, store } = newStore();
    const t = store.taskStore().createTask(task("ro"));
    store.close();
    const ro = b.reopen(home, { readonly: true });
    const tasks = ro.taskStore();
    expect(tasks.getTask(t.id)?.name).toBe("ro");
    expect(() => tasks.createTask(task("x"))).toThrow(ReadonlyStoreError);
    expect(() => tasks.claimNextTask("w")).toThrow(ReadonlyStoreError);
    expect(() => tasks.deleteTasks([t.id])).toThrow(ReadonlyStoreError);
    expect(() => tasks.releaseClaim(t.id, "w")).toThrow(ReadonlyStoreError);
    ro.close();
  });

  it("listEvents sinceId follows the stream; with a limit it pages forward from the oldest", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("follow"));
    const seen = store.listEvents({ taskId: t.id });
    const last = seen.at(-1)!.id;
    expect(store.listEvents({ taskId: t.id, sinceId: last })).toEqual([]);
    tasks.claimNextTask("w");
    tasks.updateTask(t.id, { phase: "Completed", exitCode: 0 });
    tasks.createTask(task("other"));
    expect(store.listEvents({ taskId: t.id, sinceId: last }).map((e) => e.type)).toEqual(["task_started", "task_completed"]);
    expect(store.listEvents({ sinceId: last, limit: 1 }).map((e) => e.type)).toEqual(["task_started"]);
    expect(store.listEvents({ sinceId: seen[0]!.id }).map((e) => e.type)).toEqual([
      "task_queued",
      "task_started",
      "task_completed",
      "task_created",
      "task_queued",
    ]);
    store.close();
  });
});

describe.skipIf(b.name !== "sqlite")("hot-path queries", () => {
  it("claim, run finish, lookups by task and crash-recovery lists use indexes, never a full scan", () => {
    const { home, store } = newStore();
    store.close();
    const db = new Database(home.dbPath, { readonly: true });
    const plan = (sql: string, params: Record<string, unknown> | unknown[] = []): string => {
      const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      const rows = (Array.isArray(params) ? explain.all(...params) : explain.all(params)) as { detail: string }[];
      return rows.map((r) => r.detail).join("; ");
    };
    const noScan = (detail: string) => expect(detail).not.toMatch(/\bSCAN (tasks|items|runs)\b(?! USING)/);

    expect(plan(q.QUEUE_HEAD)).toMatch(/USING (COVERING )?INDEX tasks_queue/);
    expect(plan(q.QUEUE_HEAD)).not.toMatch(/TEMP B-TREE/);
    expect(plan(q.CLAIM_TASK, { id: "t-x", worker: "w", now: "n" })).toMatch(/SEARCH tasks USING INDEX \S+ \(id=\?\)/);
    const finish = { id: "r-x", status: "failed", exit_code: 1, reason: null, output: null, finished_at: "f", duration_ms: 1 };
    expect(plan(q.FINISH_RUN, finish)).toMatch(/SEARCH runs USING INDEX \S+ \(id=\?\)/);
    for (const [sql, params] of [
      [q.GET_TASK, ["t-x"]],
      [q.GET_RUN, ["r-x"]],
      [q.ITEM_PATH, ["i-x"]],
      [q.LIST_RUNS, ["t-x"]],
      [q.LIST_ITEMS, ["t-x"]],
      [q.LIST_UNFINISHED_RUNS_OF_TASK, ["t-x"]],
      [q.DELETE_TASK_RUNS, ["t-x"]],
      [q.DELETE_TASK_ITEMS, ["t-x"]],
      [q.TASKS_BY_PREFIX, ["t-a", "t-b", 10]],
      [q.TASKS_BY_NAME, ["n", 10]],
    ] as const) {
      noScan(plan(sql, [...params]));
    }
    expect(plan(q.LIST_UNFINISHED_RUNS)).toMatch(/runs_unfinished/);
    expect(plan(q.LIST_CLAIMED_TASKS)).toMatch(/tasks_claimed/);
    expect(plan(q.listTasksSql({ project: "p", phase: "Running" }), ["p", "Running"])).toMatch(/tasks_project_phase/);
    expect(plan(q.LATEST_TASK)).toMatch(/tasks_created/);
    db.close();
  });
});

describe("agentStats", () => {
  it("sums judged runs per agent and per capability, counts runs in flight, and lists the latest runs newest first", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("stats"));
    const run = (agent: string, capability: string | null, status: "succeeded" | "failed" | "timed_out" | "cancelled" | null, exitCode = 0) => {
      const r = tasks.createRun({ taskId: t.id, itemId: null, stepId: "s", cycle: 1, agent: null, command: null, logPath: null });
      tasks.setRunDetails(r.id, { agent, capability, command: `agent:${agent}`, logPath: null });
      if (status) tasks.finishRun(r.id, { status, exitCode });
      return r;
    };
    run("gen", "capx", "succeeded");
    run("gen", "capx", "succeeded");
    run("gen", "capy", "failed", 1);
    run("gen", "capy", "cancelled", 143); // not the agent's doing: not judged
    run("gen", "capy", null); // in flight
    run("spec", "capy", "timed_out", 124);
    tasks.createRun({ taskId: t.id, itemId: null, stepId: "cmd", cycle: 1, agent: null, command: "command", logPath: null });

    const stats = new Map(tasks.agentStats().map((s) => [s.agent, s]));
    expect([...stats.keys()].sort()).toEqual(["gen", "spec"]);
    const gen = stats.get("gen")!;
    expect(gen).toMatchObject({ totalRuns: 3, successfulRuns: 2, running: 1, capabilities: { capx: { runs: 2, successes: 2 }, capy: { runs: 1, successes: 0 } } });
    expect(gen.avgDurationMs).not.toBeNull();
    expect(gen.recent.map((r) => r.status)).toEqual(["failed", "succeeded", "succeeded"]);
    expect(stats.get("spec")).toMatchObject({ totalRuns: 1, successfulRuns: 0, avgDurationMs: null, running: 0, recent: [{ status: "timed_out", exitCode: 124 }] });
    store.close();
  });
});

describe("agents' state and health", () => {
  it("setAgentState keeps a non-active state with who and when, clears it for active, records one event per change and none for no change", () => {
    const { store, tasks } = fresh();
    expect(tasks.listAgentStates()).toEqual([]);
    expect(tasks.setAgentState({ project: "default", name: "coder" }, "cordoned", "alice")).toBe("active");
    expect(tasks.setAgentState({ project: "default", name: "coder" }, "cordoned", "alice")).toBe("cordoned");
    expect(tasks.setAgentState({ project: "default", name: "coder" }, "draining", "bob")).toBe("cordoned");
    expect(tasks.listAgentStates()).toEqual([{ project: "default", name: "coder", state: "draining", since: expect.any(String), by: "bob" }]);
    expect(tasks.setAgentState({ project: "default", name: "coder" }, "active", "carol")).toBe("draining");
    expect(tasks.listAgentStates()).toEqual([]);
    const events = store.listEvents({ kind: "Agent", name: "coder" }).map((e) => [e.type, e.actor]);
    expect(events).toEqual([["agent_cordoned", "alice"], ["agent_draining", "bob"], ["agent_uncordoned", "carol"]]);
    store.close();
  });

  it("agentLastErrors gives each agent's latest failed or timed-out run; runningRunsOfAgent its runs in flight with their task's project", () => {
    const { store, tasks } = fresh();
    const t = tasks.createTask(task("health", { project: "team" }));
    const run = (agent: string, status: "succeeded" | "failed" | "timed_out" | null, exitCode = 0, reason?: string) => {
      const r = tasks.createRun({ taskId: t.id, itemId: null, stepId: "s", cycle: 1, agent: null, command: null, logPath: null });
      tasks.setRunDetails(r.id, { agent, capability: "c", command: `agent:${agent}`, logPath: null });
      if (status) tasks.finishRun(r.id, { status, exitCode, ...(reason ? { reason } : {}) });
      return r;
    };
    run("gen", "failed", 1, "first");
    run("gen", "timed_out", 124, "second");
    run("gen", "succeeded");
    const inFlight = run("gen", null);
    run("spec", "succeeded");
    expect(tasks.agentLastErrors()).toEqual([{ agent: "gen", status: "timed_out", exitCode: 124, reason: "second", finishedAt: expect.any(String) }]);
    const running = tasks.runningRunsOfAgent("gen");
    expect(running.map((r) => [r.id, r.project, r.claimedBy])).toEqual([[inFlight.id, "team", null]]);
    expect(tasks.runningRunsOfAgent("spec")).toEqual([]);
    store.close();
  });
});
});
