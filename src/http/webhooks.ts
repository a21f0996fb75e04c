/**
 * @module `POST /webhooks/<trigger>` (default project) and
 * `POST /webhooks/<project>/<trigger>` (also under `/webhook`, the upstream
 * system's path): a delivery fires an `event.source: webhook` Trigger. In
 * order: a body over 1 MiB is 413 (at once when its Content-Length says
 * so); an unknown trigger, or one that is not a webhook trigger, is 404; a missing or
 * wrong signature is 401 and creates nothing, as is an unsigned one (403) a
 * web page sent (see unsigned-delivery.ts); a body that is not JSON is
 * 400. A delivery whose id (deliveryIdOf: X-GitHub-Delivery and the like)
 * the trigger already fired or skipped a firing for creates nothing (200,
 * `duplicate`, with the earlier task). Then a suspended trigger or a
 * `filter.condition` that does not hold creates nothing (200, saying why);
 * otherwise the trigger fires as the
 * scheduler fires it (its concurrencyPolicy applies) and the answer is 202
 * with the task's id. The JSON body reaches the task as `payload_*`
 * pipeline variables and the condition reads it the same way.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { writeStoredStatusFile } from "../reconcile/status-files.js";
import { DEFAULT_PROJECT, type JsonValue } from "../resources/types.js";
import { earlierDelivery } from "../runtime/triggers/deliveries.js";
import { duplicateOutcome, fireTrigger, pruneHistory, recordSkip, type SkippedFiring } from "../runtime/triggers/fire.js";
import { matchEvent, webhookEventOf } from "../runtime/triggers/match.js";
import { readTrigger, TriggerSpecError, type TriggerDef, type WebhookTrigger } from "../runtime/triggers/spec.js";
import { MAX_BODY_BYTES, signingKeys, type HttpContext } from "./context.js";
import { deliveryIdOf } from "./delivery-id.js";
import { signatureMatches } from "./signature.js";
import { browserOrForeignHost } from "./unsigned-delivery.js";

export function webhookRoutes(ctx: HttpContext): Hono {
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, 413) });
  app.post("/:trigger", limit, (c) => deliver(ctx, c, DEFAULT_PROJECT, c.req.param("trigger")));
  app.post("/:project/:trigger", limit, (c) => deliver(ctx, c, c.req.param("project"), c.req.param("trigger")));
  return app;
}

async function deliver(ctx: HttpContext, c: Context, project: string, name: string): Promise<Response> {
  const what = `trigger/${name}${project === DEFAULT_PROJECT ? "" : ` (project ${project})`}`;
  const r = ctx.store.getResource({ project, kind: "Trigger", name });
  if (!r) return c.json({ error: `no trigger '${name}' in project '${project}'` }, 404);
  let def: TriggerDef;
  try {
    def = readTrigger(r);
  } catch (err) {
    if (!(err instanceof TriggerSpecError)) throw err;
    return c.json({ error: `${what} is not a webhook trigger` }, 404);
  }
  const source = def.spec.source;
  if (source.kind !== "webhook") return c.json({ error: `${what} is not a webhook trigger (its event.source is not webhook)` }, 404);

  const body = new Uint8Array(await c.req.arrayBuffer());
  const refused = checkSignature(ctx, c, def, source, body);
  if (refused) {
    ctx.log(`http: ${what}: delivery refused (${refused.status}): ${refused.reason}`);
    return c.json({ error: refused.reason }, refused.status);
  }
  let json: JsonValue;
  try {
    json = JSON.parse(Buffer.from(body).toString("utf8")) as JsonValue;
  } catch {
    return c.json({ error: "the body is not JSON" }, 400);
  }

  // Only after the signature check: an id alone never stands for a signed delivery.
  const id = deliveryIdOf(c);
  if (!id.ok) return c.json({ error: id.message }, 400);
  const delivery = id.id;
  const duplicate = (o: SkippedFiring): Response => {
    ctx.log(`http: ${what}: ${o.message}`);
    return c.json({ fired: false, reason: "duplicate", message: o.message, task: o.task ?? null }, 200);
  };
  // Answered before the filter, so a redelivery gets the same answer however the trigger changed;
  // the record written with the firing is what holds when two deliveries race.
  const seen = delivery === undefined ? undefined : earlierDelivery(ctx.store, def, delivery);
  if (seen) return duplicate(duplicateOutcome(seen));

  const fire = { store: ctx.store, tasks: ctx.tasks, home: ctx.home };
  const from = delivery === undefined ? {} : { delivery };
  const event = webhookEventOf(project, json, new Date().toISOString());
  if (def.spec.suspend) {
    const earlier = recordSkip(fire, def, "suspended", "the trigger is suspended", { source: "webhook" }, from);
    if (earlier) return duplicate(duplicateOutcome(earlier));
    return c.json({ fired: false, reason: "suspended" }, 200);
  }
  const match = matchEvent(def, event);
  if (!match.match) {
    if (match.error) {
      const earlier = recordSkip(fire, def, "condition_error", match.error, { source: "webhook" }, from);
      if (earlier) return duplicate(duplicateOutcome(earlier));
      return c.json({ fired: false, reason: "condition_error", message: match.error }, 200);
    }
    return c.json({ fired: false, reason: "filtered", message: "filter.condition does not hold for this payload" }, 200);
  }
  const outcome = fireTrigger(fire, def, { kind: "event", event, ...from });
  const stored = ctx.store.getResource({ project, kind: "Trigger", name });
  if (stored) writeStoredStatusFile(ctx.home, stored);
  if (!outcome.fired) {
    if (outcome.reason === "duplicate") return duplicate(outcome);
    ctx.log(`http: ${what} skipped a delivery: ${outcome.message}`);
    // A task the payload made unacceptable is the sender's to see as failed, not a skip.
    return c.json({ fired: false, reason: outcome.reason, message: outcome.message }, outcome.reason === "task_rejected" ? 422 : 200);
  }
  ctx.log(`http: ${what} fired by a webhook delivery: task ${outcome.task.id}${outcome.task.queued ? " queued" : " created (not started)"}`);
  if (outcome.task.queued) ctx.onTask?.(outcome.task);
  pruneHistory(fire, def);
  return c.json({ fired: true, task: outcome.task.id, name: outcome.task.name }, 202);
}

/** Why a delivery is refused before its body is read as JSON, or undefined when it may go on. */
function checkSignature(ctx: HttpContext, c: Context, def: TriggerDef, source: WebhookTrigger, body: Uint8Array): { status: 401 | 403 | 500; reason: string } | undefined {
  if (source.secretRef === undefined) {
    if (!ctx.loopback) return { status: 401, reason: "this trigger has no webhook.secret, and unsigned deliveries are taken on a loopback listener only" };
    const foreign = browserOrForeignHost(c);
    return foreign === undefined ? undefined : { status: 403, reason: foreign };
  }
  const keys = signingKeys(ctx, def.project, source.secretRef);
  if (!keys.ok) return { status: 500, reason: `the trigger's signing keys cannot be read: ${keys.message}` };
  const header = c.req.header(source.signatureHeader);
  if (header === undefined) return { status: 401, reason: `the ${source.signatureHeader} header is missing` };
  if (!signatureMatches(body, header, keys.keys)) return { status: 401, reason: `the ${source.signatureHeader} signature does not match` };
  return undefined;
}
