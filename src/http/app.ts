/**
 * @module The Hono app of the controller's webhook listener
 * (`--webhook-bind`): each concern is a route module mounted here (webhooks,
 * source push notifications), so one listener and one address serve them.
 * The web view is an app of its own (web-app.ts) on its own listener
 * (`--ui-bind`), since it has its own address, token and checks; server.ts
 * serves both.
 */
import { Hono } from "hono";
import type { HttpContext } from "./context.js";
import { sourceHookRoutes } from "./source-hooks.js";
import { webhookRoutes } from "./webhooks.js";

export function createHttpApp(ctx: HttpContext): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.text("ok\n"));
  app.route("/webhooks", webhookRoutes(ctx));
  // The path the upstream system and its integration guides use: the same routes.
  app.route("/webhook", webhookRoutes(ctx));
  app.route("/hooks/sources", sourceHookRoutes(ctx));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${new URL(c.req.url).pathname}` }, 404));
  app.onError((err, c) => {
    ctx.log(`http: ${c.req.method} ${new URL(c.req.url).pathname}: ${err.stack ?? err.message}`);
    return c.json({ error: "internal error; the controller's log says more" }, 500);
  });
  return app;
}
