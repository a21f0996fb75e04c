/**
 * @module `/api/v1/agents`: the agents of a project (or of every project)
 * as `get agents -o json` lists them (a List), each with its health and load as
 * selection sees them (see agent-health.ts).
 */
import { Hono } from "hono";
import { agentHealthView } from "../../cli/output/agent-health.js";
import { listDocument } from "../../cli/output/printer.js";
import { resourceView } from "../../cli/output/resource-view.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { openTaskStore } from "../../store/task-store.js";
import type { ApiContext } from "./context.js";

export function agentRoutes(ctx: ApiContext): Hono {
  const app = new Hono();
  app.get("/agents", (c) => {
    const project = c.req.query("project");
    const all = c.req.query("allProjects") === "true" || project === "";
    const agents = ctx.store.listResources(all ? { kind: "Agent", allProjects: true } : { kind: "Agent", project: project || DEFAULT_PROJECT });
    const stats = new Map(openTaskStore(ctx.store).agentStats().map((s) => [s.agent, s]));
    const now = new Date();
    return c.json(listDocument(agents.map((a) => ({ ...resourceView(a, { storeFields: true }), health: agentHealthView(a, stats.get(a.metadata.name), now) }))));
  });
  return app;
}
