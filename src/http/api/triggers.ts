/**
 * @module `/api/v1/triggers/NAME/fire|suspend|resume`: operating a trigger
 * as `trigger fire|suspend|resume` does, through the functions those
 * commands call, so the same checks refuse the same things. The project is
 * `?project=` (default `default`); fire's body, when there is one, is the
 * payload `--payload` would take.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { fireTriggerNow, MAX_PAYLOAD_BYTES, parseTriggerPayload, resumeTrigger, storedTrigger, suspendTrigger, triggerFiredJson, type TriggerActionContext } from "../../cli/commands/trigger.js";
import { CliError } from "../../cli/errors.js";
import { DEFAULT_PROJECT } from "../../resources/types.js";
import { notFound, type ApiContext } from "./context.js";

/** The trigger's name and `?project=` (the CLI's `--project`), after a 404 when it does not exist (with the CLI's message). */
function triggerRef(ctx: ApiContext, name: string, project: string | undefined): { name: string; opts: { project?: string } } {
  try {
    storedTrigger(ctx.store, name, project || DEFAULT_PROJECT);
  } catch (err) {
    if (err instanceof CliError) throw notFound(err.message);
    throw err;
  }
  return { name, opts: project ? { project } : {} };
}

export function triggerRoutes(ctx: ApiContext): Hono {
  const app = new Hono();
  // The web view knows no person's name: it is recorded as who acted, as its actor is on tasks' events.
  const actx: TriggerActionContext = { store: ctx.store, home: ctx.home, actor: ctx.actor, by: ctx.actor };

  app.post("/triggers/:name/suspend", (c) => {
    const t = triggerRef(ctx, c.req.param("name"), c.req.query("project"));
    return c.json({ message: suspendTrigger(actx, t.name, t.opts) });
  });

  app.post("/triggers/:name/resume", (c) => {
    const t = triggerRef(ctx, c.req.param("name"), c.req.query("project"));
    return c.json({ message: resumeTrigger(actx, t.name, t.opts) });
  });

  app.post(
    "/triggers/:name/fire",
    // Refused before it is read; the payload's own check says the same of a body just under the limit that grew in decoding.
    bodyLimit({ maxSize: MAX_PAYLOAD_BYTES, onError: (c) => c.json({ error: { status: 413, message: `the payload may be at most ${MAX_PAYLOAD_BYTES} bytes` } }, 413) }),
    async (c) => {
      const t = triggerRef(ctx, c.req.param("name"), c.req.query("project"));
      const text = await c.req.text();
      const payload = text.trim() === "" ? undefined : parseTriggerPayload(text, "the payload");
      const fired = await fireTriggerNow(actx, t.name, { ...t.opts, ...(payload ? { payload } : {}) });
      return c.json({ message: fired.message, fired: triggerFiredJson(fired) });
    },
  );

  return app;
}
