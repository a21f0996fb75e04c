/**
 * @module `/api/v1/sources`: the sources as `source list -o json` shows
 * them (a List of Source resources with their Ready and Stalled
 * conditions, last applied revision and inventory count), one source as
 * `source status NAME -o json` shows it with the resources in its
 * inventory, and `reconcile`, which asks the running controller for a pass
 * as `orchestrator reconcile` does.
 */
import { Hono } from "hono";
import { reconcileNow } from "../../cli/commands/reconcile.js";
import { sourceListing, sourceView, storedSources } from "../../cli/commands/source.js";
import { listJson, objectJson } from "../../cli/output/printer.js";
import { sourceKey } from "../../store/source-resource.js";
import { sourceStoreOf } from "../../store/source-store.js";
import type { JsonValue } from "../../resources/types.js";
import { notFound, type ApiContext } from "./context.js";

/** How long a reconcile asked for from the web view waits for the controller's pass. */
const RECONCILE_TIMEOUT = { ms: 60_000, text: "60s" };

export function sourceRoutes(ctx: ApiContext): Hono {
  const app = new Hono();
  const sources = sourceStoreOf(ctx.store);

  app.get("/sources", (c) => c.json(listJson(sourceListing(ctx.store), storedSources(ctx.store))));

  app.get("/sources/:name", (c) => {
    const name = c.req.param("name");
    const r = ctx.store.getResource(sourceKey(name));
    if (!r) throw notFound(`no source named '${name}'`);
    const resources = sources.getInventory(name).map((i) => ({ project: i.project, kind: i.kind, name: i.name, adopted: i.adopted === true }));
    return c.json({ ...sourceView(r, sources), resources });
  });

  app.post("/sources/:name/reconcile", async (c) => {
    const name = c.req.param("name");
    if (!sources.getSource(name)) throw notFound(`no source named '${name}'`);
    const results = await reconcileNow(ctx.store, ctx.home, name, RECONCILE_TIMEOUT);
    return c.json(objectJson("ReconcileResult", { results: results as unknown as JsonValue[] }));
  });

  return app;
}
