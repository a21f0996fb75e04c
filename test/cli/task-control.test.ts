import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI } from "../support/cli.js";
import { startController } from "../support/controller.js";
import { helperOf } from "../support/process-groups.js";
import { alive, Controllers, createTask, describeTaskNow, info, lookSafely, spawnCli, stop, tail, taskProject, until, waitForPhase, type Project } from "./task-support.js";

describe("orchestrator task start/pause/resume/retry/recover/delete", { timeout: 120_000 }, () => {
  let p: Project;
  const controllers = new Controllers();
  afterEach(async () => {
    await controllers.stopAll();
    p?.cleanup();
  });

  /** Starts the sleepy task and waits until its second step sleeps; returns the sleep's pid. */
  async function sleeping(id: string): Promise<number> {
    const pidFile = join(p.dir, "sleep.pid");
    await until(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "", 60_000, "the step to start sleeping", () =>
      `sleep.pid ${existsSync(pidFile) ? JSON.stringify(readFileSync(pidFile, "utf8")) : "absent"}; task ${describeTaskNow(p, id)}; controllers: ${tail(controllers.logs())}`);
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    expect(alive(pid)).toBe(true);
    expect(info(p, id).task.phase).toBe("Running");
    return pid;
  }

  it("start queues a task created with --no-start, and says why when it cannot", async () => {
    p = taskProject();
    const id = createTask(p, "basic", "later");
    expect(info(p, id).task).toMatchObject({ phase: "Pending", queued: false });
    const started = p.run(["task", "start", "later"]);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`task later (${id}) queued; no controller runs: start one with \`orchestrator controller\``);
    expect(info(p, id).task).toMatchObject({ phase: "Pending", queued: true });
    expect(p.run(["task", "start", id]).stdout).toContain("is already queued");
    controllers.start(p);
    await waitForPhase(p, id, ["Completed"]);
    const again = p.run(["task", "start", "--latest"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `error: task later (${id}) already finished (Completed); run one of its items again with \`orchestrator task retry ITEM_ID\` (\`orchestrator task info ${id}\` lists them), or create a new task\n`,
    );
    expect(p.run(["task", "start"]).code).toBe(2);
  });

  it("pause kills the running step's process group, and resume runs the step again to completion", async () => {
    p = taskProject();
    const id = createTask(p, "sleepy", "napper");
    p.run(["task", "start", id]);
    controllers.start(p);
    const pid = await sleeping(id);
    const follow = spawnCli(p, ["task", "logs", id, "--follow"]);

    const paused = p.run(["task", "pause", id]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`task napper (${id}) paused; stopped 1 running step; continue it with \`orchestrator task resume ${id}\``);
    expect(alive(pid)).toBe(false);
    const j = info(p, id);
    expect(j.task.phase).toBe("Paused");
    expect(j.runs.find((r) => r.step === "nap")!.status).toBe("cancelled");
    expect(j.runs.some((r) => r.step === "last")).toBe(false);
    // Following stops when the task is paused.
    const followed = await follow.done;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain("==> step nap");

    expect(p.run(["task", "pause", id]).stdout).toContain("is already paused");
    const resumed = p.run(["task", "resume", id]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`task napper (${id}) resumed; the running controller will pick it up`);
    const done = await waitForPhase(p, id, ["Completed"]);
    expect(done.runs.map((r) => [r.step, r.status])).toEqual([
      ["first", "succeeded"],
      ["nap", "cancelled"],
      ["nap", "succeeded"],
      ["last", "succeeded"],
    ]);
    expect(p.run(["task", "logs", id, "--tail", "1"]).stdout).toMatch(/==> step last .*\nlast\n$/);
    const types = (JSON.parse(p.run(["event", "list", "--task", id, "-o", "json"]).stdout).items as Array<{ type: string }>).map((e) => e.type);
    expect(types).toContain("task_paused");
    expect(types).toContain("task_resumed");
  });

  it("pause refuses a finished task, and resume refuses one that is not paused or failed", async () => {
    p = taskProject();
    const id = createTask(p, "basic", "quick");
    p.run(["task", "start", id]);
    controllers.start(p);
    await waitForPhase(p, id, ["Completed"]);
    const pause = p.run(["task", "pause", id]);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toContain("already finished (Completed); only a pending or running task can be paused");
    const resume = p.run(["task", "resume", id]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain("is Completed, not paused or failed; it completed; run one item again with `orchestrator task retry ITEM_ID`");
  });

  it("retry runs one item again and leaves the others alone; resume of a failed task runs its failures again", async () => {
    p = taskProject();
    writeFileSync(join(p.dir, "docs/qa/b.md.ok"), "");
    const id = createTask(p, "flaky", "flaky");
    p.run(["task", "start", id]);
    controllers.start(p);
    let j = await waitForPhase(p, id, ["Failed"]);
    const a = j.items.find((i) => i.path === "docs/qa/a.md")!;
    expect(a.status).toBe("unresolved");
    expect(j.task.message).toContain("1 item(s) unresolved");
    // Starting a failed task points to resume, which works.
    expect(p.run(["task", "start", id]).stderr).toBe(`error: task flaky (${id}) already finished (Failed); run its failed steps again with \`orchestrator task resume ${id}\`\n`);

    // A prefix that several items share lists the matches.
    const ambiguous = p.run(["task", "retry", "i-"]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain("item reference 'i-' is ambiguous: it matches ");
    expect(ambiguous.stderr).toContain(`${a.id} (docs/qa/a.md of task ${id})`);

    // Retried while the item still fails: it runs again and fails again.
    const retried = p.run(["task", "retry", a.id]);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain(`item docs/qa/a.md (${a.id}) set back to pending; task flaky (${id}) queued`);
    await until(() => info(p, id).runs.length === 3, 60_000, "the retried item to run", () => describeTaskNow(p, id));
    j = await waitForPhase(p, id, ["Failed"]);
    expect(j.runs.map((r) => [r.item, r.status])).toEqual([
      ["docs/qa/a.md", "failed"],
      ["docs/qa/b.md", "succeeded"],
      ["docs/qa/a.md", "failed"],
    ]);

    // Fixed, a resume runs the failed run again and the task completes.
    writeFileSync(join(p.dir, "docs/qa/a.md.ok"), "");
    const resumedEvents = (): number => (JSON.parse(p.run(["event", "list", "--task", id, "--type", "task_resumed", "-o", "json"]).stdout).items as unknown[]).length;
    const before = resumedEvents();
    expect(p.run(["task", "resume", id]).code).toBe(0);
    // Resuming a failed task is recorded as a resume, as for a paused one, and the trace shows it.
    expect(resumedEvents()).toBe(before + 1);
    j = await waitForPhase(p, id, ["Completed"]);
    expect(p.run(["task", "trace", id]).stdout).toMatch(new RegExp(`task_resumed: task flaky \\(${id}\\) resumed\\n`));
    expect(j.runs.map((r) => [r.item, r.status])).toEqual([
      ["docs/qa/a.md", "failed"],
      ["docs/qa/b.md", "succeeded"],
      ["docs/qa/a.md", "failed"],
      ["docs/qa/a.md", "succeeded"],
    ]);
    expect(j.items.map((i) => i.status)).toEqual(["qa_passed", "qa_passed"]);
    expect(p.run(["event", "list", "--task", id, "--type", "item_retried"]).stdout).toContain(`item docs/qa/a.md (${a.id})`);

    const unknown = p.run(["task", "retry", "i-nonexistent"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no item with id 'i-nonexistent'");
  });

  it("resume --reset-blocked sets blocked items back to pending", async () => {
    p = taskProject();
    const id = createTask(p, "sleepy", "blocked");
    p.run(["task", "start", id]);
    controllers.start(p);
    await sleeping(id);
    p.run(["task", "pause", id]);
    await controllers.stopAll();
    // Nothing in the CLI blocks an item; the store can, as a finalize rule would.
    const { openStore } = await import("../../src/store/sqlite/open.js");
    const { homeAt } = await import("../../src/store/home.js");
    const { openTaskStore } = await import("../../src/store/task-store.js");
    const store = openStore(homeAt(join(p.dir, ".orchestrator")));
    const tasks = openTaskStore(store);
    const item = tasks.listItems(id)[0]!;
    tasks.updateItem(item.id, { status: "blocked" });
    store.close();
    const r = p.run(["task", "resume", id, "--reset-blocked"]);
    expect(r.stdout).toContain("resumed (1 blocked item set back to pending)");
    expect(info(p, id).items.find((i) => i.id === item.id)!.status).toBe("pending");
  });

  it("resume --reset-blocked of a failed task records task_resumed", async () => {
    p = taskProject();
    const id = createTask(p, "flaky", "failing");
    p.run(["task", "start", id]);
    controllers.start(p);
    await waitForPhase(p, id, ["Failed"]);
    await controllers.stopAll();
    const resumed = p.run(["task", "resume", id, "--reset-blocked"]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    const types = (JSON.parse(p.run(["event", "list", "--task", id, "-o", "json"]).stdout).items as Array<{ type: string }>).map((e) => e.type);
    expect(types.slice(types.lastIndexOf("task_failed"))).toEqual(["task_failed", "task_resumed", "task_queued"]);
  });

  it("retry takes a unique prefix of an item id", async () => {
    p = taskProject();
    const first = createTask(p, "basic", "first");
    const second = createTask(p, "basic", "second");
    const { openStore } = await import("../../src/store/sqlite/open.js");
    const { homeAt } = await import("../../src/store/home.js");
    const { openTaskStore } = await import("../../src/store/task-store.js");
    const store = openStore(homeAt(join(p.dir, ".orchestrator")));
    const tasks = openTaskStore(store);
    // Items made in different milliseconds differ early in their ids (the time comes first).
    const [mine] = tasks.createItems(first, [{ path: "docs/qa/a.md" }]);
    await new Promise((r) => setTimeout(r, 5));
    const [other] = tasks.createItems(second, [{ path: "docs/qa/a.md" }]);
    store.close();
    let shared = 0;
    while (mine!.id[shared] === other!.id[shared]) shared++;
    const prefix = mine!.id.slice(0, shared + 1);
    expect(prefix.length).toBeLessThan(mine!.id.length);
    const r = p.run(["task", "retry", prefix]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`item docs/qa/a.md (${mine!.id}) set back to pending; task first (${first}) queued`);
    const ambiguous = p.run(["task", "retry", mine!.id.slice(0, shared)]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(`${mine!.id} (docs/qa/a.md of task ${first}), ${other!.id} (docs/qa/a.md of task ${second})`);
  });

  it("start on a cancelled task says it does not run again", async () => {
    p = taskProject();
    const id = createTask(p, "basic", "dropped");
    const { openStore } = await import("../../src/store/sqlite/open.js");
    const { homeAt } = await import("../../src/store/home.js");
    const { openTaskStore } = await import("../../src/store/task-store.js");
    const store = openStore(homeAt(join(p.dir, ".orchestrator")));
    openTaskStore(store).updateTask(id, { phase: "Cancelled", message: "cancelled by Ctrl-C" });
    store.close();
    const r = p.run(["task", "start", id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: task dropped (${id}) already finished (Cancelled); a cancelled task does not run again; create a new one with \`orchestrator task create\`\n`);
  });

  it("recover marks an orphaned run interrupted, kills its process and queues the task; a new controller finishes it", async () => {
    p = taskProject();
    const id = createTask(p, "sleepy", "orphan");
    p.run(["task", "start", id]);
    const first = controllers.start(p);
    const pid = await sleeping(id);

    // A live controller runs it: recover refuses.
    const refused = p.run(["task", "recover", id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("is being run by a live process");

    // The controller dies without cleaning up, and its helper with it: its step's process group lives on.
    const helper = helperOf(first.pid!);
    expect(helper).toBeGreaterThan(1);
    process.kill(helper!, "SIGKILL");
    first.kill("SIGKILL");
    await until(() => first.exitCode !== null || first.signalCode !== null, 60_000, "the controller to die", () => `controller ${first.pid} exitCode ${first.exitCode}, signal ${first.signalCode}`);
    await until(() => !alive(helper!), 60_000, "its helper to die", () => `helper ${helper}: ${lookSafely(() => readFileSync(`/proc/${helper}/stat`, "utf8").trim())}`);
    expect(alive(pid)).toBe(true);

    const r = p.run(["task", "recover", id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`task orphan (${id}) recovered (1 interrupted run) and queued`);
    expect(alive(pid)).toBe(false);
    const j = info(p, id);
    expect(j.task).toMatchObject({ phase: "Pending", queued: true });
    expect(j.runs.find((x) => x.step === "nap")!.status).toBe("interrupted");

    controllers.start(p);
    const done = await waitForPhase(p, id, ["Completed"]);
    expect(done.runs.map((x) => [x.step, x.status])).toEqual([
      ["first", "succeeded"],
      ["nap", "interrupted"],
      ["nap", "succeeded"],
      ["last", "succeeded"],
    ]);
    expect(p.run(["task", "recover", id]).stdout).toContain(`nothing to recover: task orphan (${id}) is Completed with no unfinished runs`);
  });

  it("delete refuses without --force and refuses a running task; it keeps the task's events", async () => {
    p = taskProject();
    const done = createTask(p, "basic", "done");
    const asleep = createTask(p, "sleepy", "asleep");
    const idle = createTask(p, "basic", "idle");
    p.run(["task", "start", done]);
    p.run(["task", "start", asleep]);
    controllers.start(p);
    await waitForPhase(p, done, ["Completed"]);
    await sleeping(asleep);
    const resource = info(p, done).task.resource!.name;

    const unforced = p.run(["task", "delete", done]);
    expect(unforced.code).toBe(1);
    expect(unforced.stderr).toContain(`refusing to delete task done (${done}) without confirmation: no terminal to ask on; pass --force to delete`);

    const running = p.run(["task", "delete", asleep, done, "--force"]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain(`task asleep (${asleep}) is running; pause it first with \`orchestrator task pause ${asleep}\`, then delete it\nnothing was deleted`);
    expect(info(p, done).task.id).toBe(done);

    const deleted = p.run(["task", "delete", done, "--force"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`task/${done} deleted (done)\ntask/${resource} deleted\n`);
    expect(p.run(["task", "info", done]).code).toBe(1);
    expect(p.run(["get", "task", resource]).code).not.toBe(0);
    const events = (JSON.parse(p.run(["event", "list", "--task", done, "-o", "json"]).stdout).items as Array<{ type: string }>).map((e) => e.type);
    expect(events[0]).toBe("task_created");
    expect(events).toContain("run_result");
    expect(events.at(-1)).toBe("task_deleted");

    // Paused first, it can go; --all --status narrows to one phase.
    p.run(["task", "pause", asleep]);
    const all = p.run(["task", "delete", "--all", "--status", "paused", "--force"]);
    expect(all.stdout).toContain(`task/${asleep} deleted (asleep)`);
    expect((JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items as Array<{ id: string }>).map((t) => t.id)).toEqual([idle]);
    expect(p.run(["task", "delete", "--all", "--status", "failed", "--force"]).stdout).toBe("no tasks matched; nothing was deleted\n");
    expect(p.run(["task", "delete"]).code).toBe(2);
    expect(p.run(["task", "delete", idle, "--status", "pending", "--force"]).code).toBe(2);
  });

  it("delete keeps a Task applied from a manifest, and its generation does not run again", async () => {
    p = taskProject();
    p.write("task.yaml", "apiVersion: orchestrator.dev/v2\nkind: Task\nmetadata:\n  name: declared\nspec:\n  workflow: basic\n  workspace: w\n");
    expect(p.run(["apply", "-f", "task.yaml"]).code).toBe(0);
    controllers.start(p);
    await until(() => p.run(["task", "list", "--status", "completed", "-o", "json"]).stdout.includes('"declared"'), 60_000, "the declared task to complete", () =>
      `tasks: ${tail(p.run(["task", "list"]).stdout)}; controllers: ${tail(controllers.logs())}`);
    const r = p.run(["task", "delete", "declared", "--force"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("note: task/declared was applied from a manifest and stays (it does not run again); to remove it, delete it with `orchestrator delete task/declared`");
    expect(p.run(["get", "task", "declared"]).code).toBe(0);
    // A controller starting afresh looks at every Task's generation before it follows its sources.
    await controllers.stopAll();
    const restarted = await startController(p.dir, ["--workers", "2"]);
    try {
      await until(() => /source default: /.test(restarted.log()), 60_000, "the restarted controller's first source pass", () => `controller log: ${tail(restarted.log())}`);
      expect(restarted.log()).not.toMatch(/declared/);
      expect(JSON.parse(p.run(["task", "list", "-o", "json"]).stdout).items).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });
});

/** `script` (util-linux) gives a command a terminal, so the delete prompt is asked. */
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("orchestrator task delete: the confirmation prompt", { timeout: 120_000 }, () => {
  let p: Project;
  afterEach(() => p?.cleanup());

  /** Runs `task delete ...refs` on a terminal, answering `answer`. */
  function deleteOnTerminal(refs: string[], answer: string): string {
    const command = [process.execPath, CLI, "task", "delete", ...refs].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const r = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: p.dir, input: `${answer}\n`, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    return r.stdout;
  }

  it.skipIf(!hasScript)("says 'Its events stay' for one task and 'Their events stay' for several", () => {
    p = taskProject();
    const one = createTask(p, "basic", "one");
    const two = createTask(p, "basic", "two");
    expect(deleteOnTerminal([one], "n")).toContain(`Delete task one (${one})? Its events stay. [y/N]`);
    expect(deleteOnTerminal([one, two], "n")).toContain("Delete 2 tasks? Their events stay. [y/N]");
    expect(info(p, one).task.id).toBe(one);
  });
});
