/**
 * @module `/api/v1/kinds`, `/api/v1/projects` and `/api/v1/resources`:
 * stored resources by kind and project as `get KIND -o json` lists them,
 * and one resource as `get KIND NAME -o json` shows it, with what
 * `describe` adds: where it came from (source, file, line, commit), its
 * recent events, and the same document as YAML.
 */
import { Hono } from "hono";
import { eventListing } from "../../cli/commands/event.js";
import { listDocument, resourcesOfKind } from "../../cli/commands/get.js";
import { projectOf, storeRegistry } from "../../cli/kind-ref.js";
import { resourceView } from "../../cli/output/resource-view.js";
import { kindedView } from "../../cli/output/printer.js";
import { toYaml } from "../../cli/output/yaml.js";
import type { KindInfo } from "../../resources/kinds.js";
import { matchesSelector, parseSelector, SelectorError } from "../../resources/selector.js";
import type { JsonObject } from "../../resources/types.js";
import type { ResourceOrigin, Store, StoredResource } from "../../store/store.js";
import { badRequest, intParam, notFound, type ApiContext } from "./context.js";

/** The kind a path names (kind, plural or short name, any case), 404 when none. */
export function kindOf(store: Store, name: string): KindInfo {
  const kind = storeRegistry(store).resolve(name);
  if (!kind) throw notFound(`unknown kind '${name}'; known kinds: ${storeRegistry(store).kindNames().join(", ")}`);
  return kind;
}

/** Where a resource came from: the source that applied it (if one did), the file, line and commit. */
export function originView(origin: ResourceOrigin): JsonObject {
  const view: JsonObject = { appliedBy: origin.appliedBy, source: origin.appliedBy.startsWith("source:") ? origin.appliedBy.slice("source:".length) : null };
  view["file"] = origin.file ?? null;
  view["line"] = origin.line ?? null;
  view["commit"] = origin.commit ?? null;
  return view;
}

function selected(items: StoredResource[], selector: string | undefined): StoredResource[] {
  if (!selector) return items;
  try {
    const requirements = parseSelector(selector);
    return items.filter((r) => matchesSelector(r.metadata.labels, requirements));
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

export function resourceRoutes(ctx: ApiContext): Hono {
  const app = new Hono();

  app.get("/kinds", (c) => {
    const counts = new Map<string, number>();
    for (const h of ctx.store.listResourceHeads({ allProjects: true })) counts.set(h.kind, (counts.get(h.kind) ?? 0) + 1);
    const items = storeRegistry(ctx.store)
      .all()
      .map((k) => ({ kind: k.kind, plural: k.plural, shortNames: [...k.shortNames], apiVersion: k.apiVersion, projectScoped: k.projectScoped, custom: k.custom, count: counts.get(k.kind) ?? 0 }));
    return c.json({ items });
  });

  app.get("/projects", (c) => c.json({ items: ctx.store.listProjects() }));

  app.get("/resources/:kind", (c) => {
    const kind = kindOf(ctx.store, c.req.param("kind"));
    const all = c.req.query("allProjects") === "true" || c.req.query("project") === "";
    const project = projectOf(kind, c.req.query("project") || undefined);
    return c.json(listDocument(selected(resourcesOfKind(ctx.store, kind, { project, allProjects: all }), c.req.query("selector"))));
  });

  app.get("/resources/:kind/:name", (c) => {
    const kind = kindOf(ctx.store, c.req.param("kind"));
    const name = c.req.param("name");
    const project = projectOf(kind, c.req.query("project") || undefined);
    const r = ctx.store.getResource({ project, kind: kind.kind, name });
    if (!r) throw notFound(`${kind.kind.toLowerCase()}/${name} not found${kind.projectScoped ? ` in project '${project}'` : ""}`);
    const view = resourceView(r, { storeFields: true });
    const limit = intParam(c, "events", 20, 0, 1000);
    return c.json({
      resource: view,
      origin: originView(r.origin),
      events: limit === 0 ? [] : ctx.store.listEvents({ project: r.metadata.project, kind: r.kind, name: r.metadata.name, limit }).map((e) => kindedView(eventListing, e)),
      yaml: toYaml(view),
    });
  });

  return app;
}
