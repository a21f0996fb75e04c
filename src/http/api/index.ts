/**
 * @module The JSON API the web view uses and scripts may use, under
 * `/api/v1`: every answer has the shape the matching `-o json` command
 * prints (see docs/web.md). Reads anything the CLI can read; writes only
 * what a person watching needs (pause, resume and retry a task, reconcile
 * a source, fire, suspend and resume a trigger), through the functions the CLI's commands call.
 */
import { Hono } from "hono";
import { agentRoutes } from "./agents.js";
import { errorResponse, type ApiContext } from "./context.js";
import { eventRoutes } from "./events.js";
import type { LogStreamOptions } from "./log-stream.js";
import { resourceRoutes } from "./resources.js";
import { sourceRoutes } from "./sources.js";
import { taskRoutes } from "./tasks.js";
import { triggerRoutes } from "./triggers.js";

export const API_BASE = "/api/v1";

export interface ApiOptions {
  logStream?: LogStreamOptions;
  /** Where unexpected errors are reported (their answer says only "internal error"). */
  log?: (line: string) => void;
}

/** The `/api/v1` routes, to mount on any Hono app with `app.route(API_BASE, apiRoutes(ctx))`. */
export function apiRoutes(ctx: ApiContext, opts: ApiOptions = {}): Hono {
  const app = new Hono();
  app.route("/", taskRoutes(ctx, opts));
  app.route("/", resourceRoutes(ctx));
  app.route("/", sourceRoutes(ctx));
  app.route("/", triggerRoutes(ctx));
  app.route("/", agentRoutes(ctx));
  app.route("/", eventRoutes(ctx));
  app.onError((err, c) => {
    const res = errorResponse(err, c);
    if (res.status >= 500) opts.log?.(`web view: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return res;
  });
  return app;
}
