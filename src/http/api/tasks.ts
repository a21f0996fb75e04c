/**
 * @module `/api/v1/tasks`: tasks one page at a time (newest first, a List
 * as `task list -o json` prints it, with each task's progress), one task
 * as `task info -o json` shows it, its events (as `event list`), its logs (as `task logs`
 * prints them, or live as Server-Sent Events), and pause, resume and retry
 * through the functions the CLI's commands call.
 */
import { Hono } from "hono";
import { stream, streamSSE } from "hono/streaming";
import { pauseTask, resumeTask, retryItem } from "../../cli/commands/task-control.js";
import { loadTaskInfo, taskInfoView } from "../../cli/commands/task-info.js";
import { eventListing } from "../../cli/commands/event.js";
import { taskListing } from "../../cli/commands/task-list.js";
import { parsePhase, resolveTaskRef, stripTaskPrefix } from "../../cli/commands/task-select.js";
import { kindedView, listJson, objectJson } from "../../cli/output/printer.js";
import { TaskLogPrinter } from "../../cli/output/task-log-follow.js";
import type { JsonObject } from "../../resources/types.js";
import type { TaskFilter, TaskProgress, TaskRecord } from "../../store/task-store.js";
import { stepLogStoreOf } from "../../store/step-log-store.js";
import { openTaskStore } from "../../store/task-store.js";
import { badRequest, intParam, notFound, type ApiContext } from "./context.js";
import { streamTaskLogs, type LogStreamOptions } from "./log-stream.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_EVENTS = 1000;

/** The task a reference names (id, id prefix, name, `task/REF`), 404 when none does. */
export function findTask(ctx: ApiContext, ref: string, project: string | undefined): TaskRecord {
  const tasks = openTaskStore(ctx.store);
  const scope = project === undefined ? {} : { project };
  if (tasks.matchTasks(stripTaskPrefix(ref), scope).length === 0) throw notFound(`no task matches '${ref}' by id, id prefix or name${project ? ` in project '${project}'` : ""}`);
  try {
    return resolveTaskRef(tasks, ref, scope);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
}

function progressView(p: TaskProgress | undefined): JsonObject {
  return { items: p?.items ?? {}, runs: p?.runs ?? {} };
}

const optionalBool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);

export interface TaskRouteOptions {
  logStream?: LogStreamOptions;
  /** Where a log stream that failed is reported. */
  log?: (line: string) => void;
}

export function taskRoutes(ctx: ApiContext, opts: TaskRouteOptions = {}): Hono {
  const app = new Hono();
  const tasks = openTaskStore(ctx.store);
  const listing = taskListing(ctx.store, true);
  /** A task as `task list -o json` shows each of its items. */
  const taskJson = (t: TaskRecord): JsonObject => kindedView(listing, t);

  app.get("/tasks", (c) => {
    const filter: TaskFilter = {};
    const project = c.req.query("project");
    const status = c.req.query("status");
    if (project) filter.project = project;
    if (status) filter.phase = parsePhase(status);
    const limit = intParam(c, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const offset = intParam(c, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const page = tasks.pageTasks(filter, { offset, limit });
    const progress = tasks.taskProgress(page.tasks.map((t) => t.id));
    return c.json({
      ...listJson(listing, page.tasks),
      progress: Object.fromEntries(page.tasks.map((t) => [t.id, progressView(progress.get(t.id))])),
      total: page.total,
      offset,
      limit,
    });
  });

  app.get("/tasks/:ref", (c) => {
    const { task, items, runs, children } = loadTaskInfo(ctx.store, findTask(ctx, c.req.param("ref"), c.req.query("project")));
    return c.json(objectJson("TaskInfo", taskInfoView(task, items, runs, children)));
  });

  app.get("/tasks/:ref/events", (c) => {
    const task = findTask(ctx, c.req.param("ref"), c.req.query("project"));
    const limit = intParam(c, "limit", 50, 1, MAX_EVENTS);
    return c.json(listJson(eventListing, ctx.store.listEvents({ taskId: task.id, limit })));
  });

  app.get("/tasks/:ref/logs", (c) => {
    const task = findTask(ctx, c.req.param("ref"), c.req.query("project"));
    const tail = c.req.query("tail") === undefined ? undefined : intParam(c, "tail", 0, 0, Number.MAX_SAFE_INTEGER);
    let paths: Map<string, string> | undefined;
    const itemPath = (itemId: string): string | undefined => {
      if (!paths?.has(itemId)) paths = new Map(tasks.listItems(task.id).map((i) => [i.id, i.path]));
      return paths.get(itemId);
    };
    // Written as it is read, so a log of any size costs one chunk of memory.
    c.header("Content-Type", "text/plain; charset=UTF-8");
    return stream(c, async (s) => {
      // A shared store keeps step logs itself: read them there, whichever host ran the step (as `task logs` does).
      const logs = stepLogStoreOf(ctx.store);
      const printer = new TaskLogPrinter({ out: (t) => s.write(t).then(() => undefined), itemPath, ...(logs ? { logs } : {}) });
      if (tail === undefined) await printer.poll(tasks.listRuns(task.id));
      else await printer.tail(tasks.listRuns(task.id), tail);
      await printer.finish();
    });
  });

  app.get("/tasks/:ref/logs/stream", (c) => {
    const task = findTask(ctx, c.req.param("ref"), c.req.query("project"));
    c.header("Cache-Control", "no-store");
    // Proxies such as nginx would otherwise hold the stream back in a buffer.
    c.header("X-Accel-Buffering", "no");
    const tail = c.req.query("tail") === undefined ? undefined : intParam(c, "tail", 0, 0, Number.MAX_SAFE_INTEGER);
    const streamOptions: LogStreamOptions = { ...opts.logStream, ...(tail !== undefined ? { tail } : {}) };
    return streamSSE(
      c,
      (stream) => streamTaskLogs(ctx, task, stream, streamOptions),
      async (err) => opts.log?.(`web view: log stream of task ${task.id}: ${err.stack ?? err.message}`),
    );
  });

  app.post("/tasks/:ref/pause", async (c) => {
    const task = findTask(ctx, c.req.param("ref"), c.req.query("project"));
    const message = await pauseTask({ ...ctx, via: "from the web view" }, task.id);
    return c.json({ message, task: taskJson(tasks.getTask(task.id) ?? task) });
  });

  app.post("/tasks/:ref/resume", async (c) => {
    const task = findTask(ctx, c.req.param("ref"), c.req.query("project"));
    const body = await jsonBody(c.req.raw);
    const resetBlocked = optionalBool(body["resetBlocked"]);
    const message = await resumeTask({ ...ctx, via: "from the web view" }, task.id, resetBlocked === undefined ? {} : { resetBlocked });
    return c.json({ message, task: taskJson(tasks.getTask(task.id) ?? task) });
  });

  app.post("/items/:item/retry", async (c) => {
    const ref = c.req.param("item");
    if (tasks.matchItems(ref).length === 0) throw notFound(`no item with id '${ref}' (or an id starting with it)`);
    const message = await retryItem({ ...ctx, via: "from the web view" }, ref);
    const item = tasks.matchItems(ref)[0]!;
    const task = tasks.getTask(item.taskId);
    return c.json({ message, task: task ? taskJson(task) : null });
  });

  return app;
}

/** The request's JSON object body; an empty body is an empty object. */
async function jsonBody(req: Request): Promise<JsonObject> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body is not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw badRequest("the body must be a JSON object");
  return value as JsonObject;
}
