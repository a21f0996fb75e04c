/**
 * The web view's JSON API against a real SQLite store: the answers have
 * the CLI's `-o json` shapes (built by the same functions: every list a
 * `kind: List` with `items`, each object with its kind), actions make
 * the CLI's checks, errors are JSON with the CLI's messages, and requests
 * from other sites or to other host names are refused.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { controllerStatusWithControllers } from "../../src/cli/commands/controller.js";
import { eventListing } from "../../src/cli/commands/event.js";
import { listDocument } from "../../src/cli/commands/get.js";
import { sourceListing, storedSources } from "../../src/cli/commands/source.js";
import { loadTaskInfo, taskInfoView } from "../../src/cli/commands/task-info.js";
import { taskListing } from "../../src/cli/commands/task-list.js";
import { apiRoutes } from "../../src/http/api/index.js";
import { kindedView, listJson, objectJson } from "../../src/cli/output/printer.js";
import { webApp } from "../../src/http/web-app.js";
import type { Home } from "../../src/store/home.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { sourceStoreOf } from "../../src/store/source-store.js";
import type { NewTask, TaskStore } from "../../src/store/task-store.js";
import { newStore, removeTempDirs, tempDir, write } from "../store/helpers.js";

const SECRET = "sk-test-7f3a9b2c41";

function task(name: string, o: Partial<NewTask> = {}): NewTask {
  return { name, project: "default", origin: "cli", workflow: "ticks", workspace: "w", goal: `goal ${name}`, spec: { steps: [], vars: {}, targetFiles: [] }, queued: false, ...o };
}

let home: Home;
let store: SqliteStore;
let tasks: TaskStore;
let app: ReturnType<typeof webApp>;
const logs: string[] = [];

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => Promise.resolve(app.request(path, { headers: { Host: "127.0.0.1:19091", ...headers } }));
const post = (path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  Promise.resolve(
    app.request(path, {
      method: "POST",
      headers: { Host: "127.0.0.1:19091", "Content-Type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
const json = async (r: Response): Promise<any> => r.json(); // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(() => {
  // Actions that queue work would start a background controller, as the CLI's do.
  process.env["ORCHESTRATOR_NO_DAEMON"] = "1";
  ({ home, store } = newStore());
  tasks = store.taskStore();
  store.commit(
    [
      { op: "create", resource: write("Workflow", "ticks", { steps: [{ id: "tick", command: "echo tick" }] }) },
      { op: "create", resource: write("Agent", "coder", { capabilities: ["code"], command: "echo {prompt}" }, { labels: { team: "a" }, origin: { appliedBy: "source:main", file: "agents.yaml", line: 3, commit: "0123456789abcdef0123" } }) },
      { op: "create", resource: write("Agent", "flaky", { capabilities: ["code"], command: "false" }, { labels: { team: "b" } }) },
      { op: "create", resource: write("SecretStore", "keys", { data: { TOKEN: SECRET } }) },
    ],
    "test",
  );
  app = webApp({ ctx: { store, home, actor: "web" }, webDir: tempDir("orch-web-"), log: (l) => logs.push(l) });
});

afterAll(() => {
  store.close();
  removeTempDirs();
});

describe("GET /api/v1/tasks", () => {
  it("pages newest first with the total, a List of tasks as `task list -o json` prints it, with each task's progress", async () => {
    const made = Array.from({ length: 7 }, (_, i) => tasks.createTask(task(`page-${i}`, { project: i % 2 ? "other" : "default" })));
    const item = tasks.createItems(made[6]!.id, [{ path: "a.md" }, { path: "b.md" }])[0]!;
    tasks.updateItem(item.id, { status: "resolved" });
    const r = await get("/api/v1/tasks?limit=3&offset=0");
    expect(r.status).toBe(200);
    const body = await json(r);
    expect(body.total).toBeGreaterThanOrEqual(7);
    expect(body).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List", offset: 0, limit: 3 });
    expect(body.items.map((t: { name: string }) => t.name)).toEqual(["page-6", "page-5", "page-4"]);
    expect(body.items[0]).toEqual(kindedView(taskListing(store, true), tasks.getTask(made[6]!.id)!));
    expect(body.items[0]).toMatchObject({ kind: "TaskRecord", id: made[6]!.id });
    expect(body.progress[made[6]!.id]).toEqual({ items: { resolved: 1, pending: 1 }, runs: {} });
    const next = await json(await get("/api/v1/tasks?limit=3&offset=3"));
    expect(next.items.map((t: { name: string }) => t.name)).toEqual(["page-3", "page-2", "page-1"]);
    const other = await json(await get("/api/v1/tasks?project=other&status=pending"));
    expect(other.items.every((t: { project: string }) => t.project === "other")).toBe(true);
    expect(other.total).toBe(3);
  });

  it("refuses a bad page size or phase with a 400 that says what is allowed", async () => {
    const r = await get("/api/v1/tasks?limit=100000");
    expect(r.status).toBe(400);
    expect((await json(r)).error.message).toBe("limit must be a whole number from 1 to 500, got '100000'");
    const s = await get("/api/v1/tasks?status=sleeping");
    expect(s.status).toBe(400);
    expect((await json(s)).error.message).toMatch(/unknown status 'sleeping'; use one of: pending, running/);
  });
});

describe("GET /api/v1/tasks/:ref", () => {
  it("is `task info -o json` of the task named by id, prefix or name, with secrets in runs redacted", async () => {
    const t = tasks.createTask(task("info-one"));
    const run = tasks.createRun({ taskId: t.id, itemId: null, stepId: "tick", cycle: 1, agent: null, command: `echo ${SECRET}`, logPath: null });
    tasks.finishRun(run.id, { status: "failed", exitCode: 2, reason: `saw ${SECRET}` });
    const expected = (() => {
      const { task: tt, items, runs } = loadTaskInfo(store, tasks.getTask(t.id)!);
      return objectJson("TaskInfo", taskInfoView(tt, items, runs));
    })();
    for (const ref of [t.id, "info-one", `task/${t.id}`]) {
      const r = await get(`/api/v1/tasks/${encodeURIComponent(ref)}`);
      expect(r.status, ref).toBe(200);
      const body = await json(r);
      expect(body).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "TaskInfo", task: { id: t.id } });
      expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    }
    const text = await (await get(`/api/v1/tasks/${t.id}`)).text();
    expect(text).not.toContain(SECRET);
    expect(text).toContain("[REDACTED]");
  });

  it("answers 404 for a task nobody has and 400 for an ambiguous reference", async () => {
    const r = await get("/api/v1/tasks/no-such-task");
    expect(r.status).toBe(404);
    expect(await json(r)).toEqual({ error: { status: 404, message: "no task matches 'no-such-task' by id, id prefix or name" } });
    tasks.createTask(task("twin"));
    tasks.createTask(task("twin"));
    const a = await get("/api/v1/tasks/twin");
    expect(a.status).toBe(400);
    expect((await json(a)).error.message).toMatch(/twin.*ambiguous|ambiguous.*twin/);
  });

  it("lists the task's events newest last, as `event list --task` does", async () => {
    const t = tasks.createTask(task("with-events", { queued: true }));
    const events = await json(await get(`/api/v1/tasks/${t.id}/events`));
    expect(events.kind).toBe("List");
    expect(events.items.map((e: { kind: string; type: string }) => `${e.kind} ${e.type}`)).toEqual(["Event task_created", "Event task_queued"]);
    expect(events).toEqual(JSON.parse(JSON.stringify(listJson(eventListing, store.listEvents({ taskId: t.id, limit: 50 })))));
  });
});

/** A Server-Sent Events response read as it comes: `until` reads on until the text holds `what`. */
function eventStream(res: Response): { until(what: string): Promise<void>; seen(): string; reader: ReadableStreamDefaultReader<Uint8Array> } {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  return {
    reader,
    seen: () => seen,
    until: async (what) => {
      while (!seen.includes(what)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${what}; got:\n${seen}`);
        seen += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe("task logs", () => {
  function runWithLog(name: string, text: string): { taskId: string; runId: string; logPath: string } {
    const t = tasks.createTask(task(name));
    const dir = join(home.dir, "logs", t.id);
    mkdirSync(dir, { recursive: true });
    const run = tasks.createRun({ taskId: t.id, itemId: null, stepId: "tick", cycle: 1, agent: "coder", command: "agent:coder", logPath: join(dir, "r.log") });
    writeFileSync(join(dir, "r.log"), text);
    return { taskId: t.id, runId: run.id, logPath: join(dir, "r.log") };
  }

  it("GET .../logs is the text `task logs` prints, headers and all; ?tail=N keeps the last lines", async () => {
    const { taskId, runId } = runWithLog("logs-text", "one\ntwo\nthree\n");
    const r = await get(`/api/v1/tasks/${taskId}/logs`);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await r.text()).toBe(`==> step tick (run ${runId}, agent coder) <==\none\ntwo\nthree\n`);
    expect(await (await get(`/api/v1/tasks/${taskId}/logs?tail=1`)).text()).toBe(`==> step tick (run ${runId}, agent coder) <==\nthree\n`);
  });

  it("starts the stream from the last lines with ?tail=N, each run's header before its text", async () => {
    const { taskId, runId } = runWithLog("logs-tail", "one\ntwo\nthree\n");
    tasks.updateTask(taskId, { phase: "Completed" });
    const text = await (await get(`/api/v1/tasks/${taskId}/logs/stream?tail=1`)).text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => [m[1], JSON.parse(m[2]!)] as const);
    expect(events.map(([e]) => e)).toEqual(["run", "log", "task", "end"]);
    expect(events[0]![1]).toMatchObject({ id: runId, step: "tick", agent: "coder" });
    expect(events[1]![1]).toEqual({ run: runId, text: "three\n" });
  });

  it("streams runs and output as Server-Sent Events as they are written, then `end` once the task has finished", async () => {
    const { taskId, runId, logPath } = runWithLog("logs-live", "first line\n");
    tasks.updateTask(taskId, { phase: "Running" });
    const res = await get(`/api/v1/tasks/${taskId}/logs/stream`);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const { until, seen, reader } = eventStream(res);
    await until('"text":"first line\\n"');
    expect(seen()).toMatch(new RegExp(`event: task\\ndata: \\{"apiVersion":"orchestrator.dev/v2","kind":"TaskRecord","id":"${taskId}"`));
    expect(seen()).toMatch(new RegExp(`event: run\\ndata: \\{"id":"${runId}","step":"tick"`));
    appendFileSync(logPath, "second line\n");
    await until('"text":"second line\\n"');
    tasks.finishRun(runId, { status: "succeeded", exitCode: 0 });
    tasks.updateTask(taskId, { phase: "Completed" });
    await until("event: end");
    expect(seen()).toContain('"status":"succeeded"');
    expect(seen()).toContain('event: end\ndata: {"reason":"finished","phase":"Completed"}');
    const rest = await reader.read();
    expect(rest.done).toBe(true);
  });

  it("a task cancelled while its runner still holds it streams until the runner lets go: a line the step wrote meanwhile is sent", async () => {
    const { taskId, runId, logPath } = runWithLog("logs-cancelled", "first line\n");
    // Claimed by a live process on this host (this one), as a runner's claim is.
    const claim = `${hostname()}:${process.pid}:w1`;
    tasks.updateTask(taskId, { phase: "Running", claimedBy: claim });
    const res = await get(`/api/v1/tasks/${taskId}/logs/stream`);
    const { until, seen } = eventStream(res);
    await until('"text":"first line\\n"');
    // The cancel is written first; the runner then stops the step (its last line) and lets go of the task.
    tasks.updateTask(taskId, { phase: "Cancelled" });
    await until('"phase":"Cancelled"');
    // Seen only by a pass after the one that saw Cancelled: the stream goes on while the claim is held.
    tasks.finishRun(runId, { status: "cancelled", exitCode: null });
    await until('"status":"cancelled"');
    appendFileSync(logPath, "last line\n");
    await until('"text":"last line\\n"');
    expect(tasks.releaseClaim(taskId, claim)).toBe(true);
    await until("event: end");
    expect(seen()).toContain('event: end\ndata: {"reason":"finished","phase":"Cancelled"}');
  });
});

describe("task actions", () => {
  it("pause and resume make the CLI's checks, say what the CLI says, and record the web as the actor", async () => {
    const t = tasks.createTask(task("act", { queued: true }));
    const paused = await post(`/api/v1/tasks/${t.id}/pause`);
    expect(paused.status).toBe(200);
    const body = await json(paused);
    expect(body.message).toBe(`task act (${t.id}) paused; continue it with \`orchestrator task resume ${t.id}\``);
    expect(body.task).toMatchObject({ id: t.id, phase: "Paused", message: "paused from the web view" });
    expect(store.listEvents({ taskId: t.id, type: "task_paused" })[0]?.actor).toBe("web");
    expect((await json(await post(`/api/v1/tasks/${t.id}/pause`))).message).toBe(`task act (${t.id}) is already paused`);

    const resumed = await json(await post(`/api/v1/tasks/${t.id}/resume`));
    expect(resumed.message).toBe(`task act (${t.id}) resumed; no controller runs: start one with \`orchestrator controller\``);
    expect(resumed.task).toMatchObject({ kind: "TaskRecord", id: t.id, phase: "Pending", queued: true });

    const again = await post(`/api/v1/tasks/${t.id}/resume`);
    expect(again.status).toBe(409);
    expect((await json(again)).error.message).toBe(`task act (${t.id}) is Pending, not paused or failed; it is already queued`);
  });

  it("refuses to pause a finished task with the CLI's message, and retries an item of it", async () => {
    const t = tasks.createTask(task("done"));
    const item = tasks.createItems(t.id, [{ path: "x.md" }])[0]!;
    tasks.updateItem(item.id, { status: "unresolved" });
    tasks.updateTask(t.id, { phase: "Failed" });
    const r = await post(`/api/v1/tasks/${t.id}/pause`);
    expect(r.status).toBe(409);
    expect((await json(r)).error.message).toBe(`task done (${t.id}) already finished (Failed); only a pending or running task can be paused`);

    const retried = await post(`/api/v1/items/${item.id}/retry`);
    expect(retried.status).toBe(200);
    expect((await json(retried)).message).toBe(`item x.md (${item.id}) set back to pending; task done (${t.id}) queued; no controller runs: start one with \`orchestrator controller\``);
    expect(tasks.getItem(item.id)?.status).toBe("pending");
    expect(store.listEvents({ taskId: t.id, type: "item_retried" })[0]?.actor).toBe("web");
    expect((await post("/api/v1/items/i-nothing/retry")).status).toBe(404);
  });

  it("takes a JSON object body or none; anything else is a 400", async () => {
    const t = tasks.createTask(task("bodies"));
    tasks.updateTask(t.id, { phase: "Paused" });
    const r = await Promise.resolve(app.request(`/api/v1/tasks/${t.id}/resume`, { method: "POST", headers: { Host: "localhost:1", "Content-Type": "application/json" }, body: "[1]" }));
    expect(r.status).toBe(400);
    expect((await json(r)).error.message).toBe("the body must be a JSON object");
    expect(tasks.getTask(t.id)?.phase).toBe("Paused");
  });
});

describe("resources", () => {
  it("lists kinds with counts, and a kind as `get KIND -o json` does, per project or all", async () => {
    const kinds = await json(await get("/api/v1/kinds"));
    expect(kinds.items.find((k: { kind: string }) => k.kind === "Workflow")).toMatchObject({ plural: "workflows", projectScoped: true, count: 1 });
    const agents = await json(await get("/api/v1/resources/agents"));
    expect(agents).toEqual(JSON.parse(JSON.stringify(listDocument(store.listResources({ kind: "Agent", project: "default" })))));
    expect((await json(await get("/api/v1/resources/agent?selector=team%3Da"))).items.map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual(["coder"]);
    expect((await json(await get("/api/v1/resources/agents?project=elsewhere"))).items).toEqual([]);
    expect((await get("/api/v1/resources/agents?selector=%3D%3D")).status).toBe(400);
    const secrets = await (await get("/api/v1/resources/secretstores")).text();
    expect(secrets).not.toContain(SECRET);
  });

  it("shows one resource with its origin, events and YAML; 404 for unknown kinds and names", async () => {
    const r = await json(await get("/api/v1/resources/Agent/coder"));
    expect(r.resource).toMatchObject({ kind: "Agent", metadata: { name: "coder", generation: 1, appliedBy: "source:main" } });
    expect(r.origin).toEqual({ appliedBy: "source:main", source: "main", file: "agents.yaml", line: 3, commit: "0123456789abcdef0123" });
    expect(r.events.map((e: { type: string }) => e.type)).toContain("resource_created");
    expect(r.events[0]).toMatchObject({ kind: "Event", involvedObject: { kind: "Agent", project: "default", name: "coder" } });
    expect(r.yaml).toMatch(/^apiVersion: orchestrator.dev\/v2\nkind: Agent\n/);
    const missing = await get("/api/v1/resources/Agent/nobody");
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.message).toBe("agent/nobody not found in project 'default'");
    expect((await get("/api/v1/resources/Gadget")).status).toBe(404);
    const secret = await (await get("/api/v1/resources/SecretStore/keys")).text();
    expect(secret).not.toContain(SECRET);
  });
});

describe("sources, agents, events and the controller", () => {
  it("shows sources as `source list -o json` does, one with its inventory, and reconciling needs a running controller", async () => {
    const sources = sourceStoreOf(store);
    sources.addSource({ name: "main", type: "dir", dir: "manifests", intervalMs: 60_000, project: "default", prune: true });
    sources.updateInventory("main", { upsert: [{ project: "default", kind: "Agent", name: "coder", hash: "h" }], remove: [] });
    const list = await json(await get("/api/v1/sources"));
    expect(list).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ kind: "Source", metadata: { name: "main" }, spec: { dir: "manifests" }, status: { inventory: 1 } });
    expect(list).toEqual(JSON.parse(JSON.stringify(listJson(sourceListing(store), storedSources(store)))));
    const one = await json(await get("/api/v1/sources/main"));
    expect(one).toMatchObject({ kind: "Source", metadata: { name: "main" }, status: { inventory: 1 } });
    expect(one.resources).toEqual([{ project: "default", kind: "Agent", name: "coder", adopted: false }]);
    expect((await get("/api/v1/sources/nope")).status).toBe(404);
    const r = await post("/api/v1/sources/main/reconcile");
    expect(r.status).toBe(409);
    expect((await json(r)).error.message).toMatch(/^no controller is running for .*; run `orchestrator sync main` to reconcile now$/);
  });

  it("shows each agent's health and load from its recorded runs", async () => {
    store.commit([{ op: "create", resource: write("Agent", "steady", { capabilities: ["code"], command: "true" }) }], "test");
    const t = tasks.createTask(task("agent-runs"));
    for (let i = 0; i < 2; i++) {
      const run = tasks.createRun({ taskId: t.id, itemId: null, stepId: "s", cycle: 1, agent: "flaky", capability: "code", command: "false", logPath: null });
      tasks.finishRun(run.id, { status: "failed", exitCode: 127 });
    }
    const ok = tasks.createRun({ taskId: t.id, itemId: null, stepId: "s", cycle: 1, agent: "steady", capability: "code", command: "x", logPath: null });
    tasks.finishRun(ok.id, { status: "succeeded", exitCode: 0 });
    tasks.createRun({ taskId: t.id, itemId: null, stepId: "s2", cycle: 1, agent: "steady", capability: "code", command: "x", logPath: null });
    const agents = await json(await get("/api/v1/agents"));
    expect(agents).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    expect(agents.items.every((a: { kind: string }) => a.kind === "Agent")).toBe(true);
    const by = Object.fromEntries(agents.items.map((a: { metadata: { name: string }; health: unknown }) => [a.metadata.name, a.health]));
    expect(by["steady"]).toMatchObject({ state: "healthy", load: 1, totalRuns: 1, successfulRuns: 1, successRate: 1 });
    expect(by["flaky"]).toMatchObject({ state: "diseased", load: 0, totalRuns: 2, consecutiveFailures: 2 });
    expect(by["flaky"].diseasedUntil).toEqual(expect.any(String));
  });

  it("lists events as `event list -o json` does and the controller as `controller status -o json` does", async () => {
    const events = await json(await get("/api/v1/events?limit=5"));
    expect(events).toMatchObject({ apiVersion: "orchestrator.dev/v2", kind: "List" });
    expect(events).toEqual(JSON.parse(JSON.stringify(listJson(eventListing, store.listEvents({ limit: 5 })))));
    expect(await json(await get("/api/v1/controller"))).toEqual({ apiVersion: "orchestrator.dev/v2", kind: "ControllerStatus", ...JSON.parse(JSON.stringify(controllerStatusWithControllers(home, store))) });
    expect(await json(await get("/api/v1/controller"))).toMatchObject({ running: false, pid: null, webView: null, webhooks: null, controllers: [] });
  });

  it("answers an unknown API path with a JSON 404, and any other path with the page", async () => {
    const r = await get("/api/v1/nothing/here");
    expect(r.status).toBe(404);
    expect(await json(r)).toEqual({ error: { status: 404, message: "no API route GET /api/v1/nothing/here" } });
    const page = await get("/tasks/t-123");
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("writes only through pause, resume, retry, reconcile and a trigger's fire, suspend and resume: any other method or path that would change the store is a 404 and changes nothing", async () => {
    // Every route that is not a read (a route with middleware is listed once per handler).
    const writes = new Set(
      apiRoutes({ store, home, actor: "web" })
        .routes.filter((r) => !["GET", "HEAD", "ALL"].includes(r.method))
        .map((r) => `${r.method} ${r.path}`),
    );
    expect([...writes].sort()).toEqual(
      [
        "POST /tasks/:ref/pause",
        "POST /tasks/:ref/resume",
        "POST /items/:item/retry",
        "POST /sources/:name/reconcile",
        "POST /triggers/:name/fire",
        "POST /triggers/:name/suspend",
        "POST /triggers/:name/resume",
      ].sort(),
    );
    const t = tasks.createTask(task("untouched", { queued: true }));
    const before = { task: tasks.getTask(t.id), resources: store.listResources({ allProjects: true }).length, events: store.listEvents({ limit: 1000 }).length };
    const attempts: Array<[string, string]> = [
      ["DELETE", `/api/v1/tasks/${t.id}`],
      ["PUT", `/api/v1/tasks/${t.id}`],
      ["PATCH", `/api/v1/tasks/${t.id}`],
      ["POST", "/api/v1/tasks"],
      ["POST", `/api/v1/tasks/${t.id}/delete`],
      ["POST", `/api/v1/tasks/${t.id}/start`],
      ["POST", "/api/v1/resources/agents"],
      ["DELETE", "/api/v1/resources/agents/coder"],
      ["PUT", "/api/v1/resources/agents/coder"],
      ["POST", "/api/v1/sources"],
      ["DELETE", "/api/v1/sources/main"],
      ["POST", "/api/v1/triggers"],
      ["DELETE", "/api/v1/triggers/nightly"],
      ["PUT", "/api/v1/triggers/nightly"],
      ["POST", "/api/v1/triggers/nightly/delete"],
      ["POST", "/api/v1/resources/triggers/nightly/suspend"],
    ];
    for (const [method, path] of attempts) {
      const r = await Promise.resolve(app.request(path, { method, headers: { Host: "127.0.0.1:19091", "Content-Type": "application/json" }, body: "{}" }));
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(await json(r)).toEqual({ error: { status: 404, message: `no API route ${method} ${path}` } });
    }
    expect({ task: tasks.getTask(t.id), resources: store.listResources({ allProjects: true }).length, events: store.listEvents({ limit: 1000 }).length }).toEqual(before);
  });
});

describe("requests the view refuses", () => {
  beforeEach(() => logs.splice(0));

  it("a form posted from another site (cross-site request forgery)", async () => {
    const t = tasks.createTask(task("csrf", { queued: true }));
    const r = await Promise.resolve(
      app.request(`/api/v1/tasks/${t.id}/pause`, { method: "POST", headers: { Host: "127.0.0.1:19091", Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" }, body: "x=1" }),
    );
    expect(r.status).toBe(403);
    expect(tasks.getTask(t.id)?.phase).toBe("Pending");
  });

  it("a request addressed to a name that is not loopback, without a token (DNS rebinding)", async () => {
    const r = await get("/api/v1/tasks", { Host: "evil.example:19091" });
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/answers only to localhost and loopback addresses/);
    expect((await get("/api/v1/tasks", { Host: "localhost:19091" })).status).toBe(200);
    expect((await get("/api/v1/tasks", { Host: "[::1]:19091" })).status).toBe(200);
  });

  it("sends the security headers that keep the page from being framed or loading scripts from elsewhere", async () => {
    const r = await get("/tasks");
    expect(r.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(r.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
