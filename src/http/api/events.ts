/**
 * @module `/api/v1/events` as `event list -o json` prints them (a List of
 * Events, newest last), and `/api/v1/controller` as `controller status -o
 * json` prints it.
 */
import { Hono } from "hono";
import { controllerStatusWithControllers } from "../../cli/commands/controller.js";
import { eventListing } from "../../cli/commands/event.js";
import { listJson, objectJson } from "../../cli/output/printer.js";
import type { EventFilter } from "../../store/store.js";
import { intParam, type ApiContext } from "./context.js";
import { findTask } from "./tasks.js";

export function eventRoutes(ctx: ApiContext): Hono {
  const app = new Hono();
  app.get("/events", (c) => {
    const filter: EventFilter = { limit: intParam(c, "limit", 50, 1, 1000) };
    const type = c.req.query("type");
    const task = c.req.query("task");
    if (type) filter.type = type.trim().toLowerCase();
    if (task) filter.taskId = findTask(ctx, task, undefined).id;
    return c.json(listJson(eventListing, ctx.store.listEvents(filter)));
  });
  app.get("/controller", (c) => c.json(objectJson("ControllerStatus", { ...controllerStatusWithControllers(ctx.home, ctx.store) })));
  return app;
}
