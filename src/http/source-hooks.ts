/**
 * @module `POST /hooks/sources/<source>`: a git host's push notification.
 * Level-triggered, as every pass is: the body is not read for what changed,
 * it only says "look now", and the source is reconciled at once instead of
 * at its next interval. Signed as webhooks are (`X-Hub-Signature-256`) with
 * the values of the SecretStore the source names (`source add
 * --webhook-secret`); a source without one takes unsigned notifications on
 * a loopback listener only, and never from a web page (unsigned-delivery.ts).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { sourceStoreOf } from "../store/source-store.js";
import { DEFAULT_SIGNATURE_HEADER } from "../runtime/triggers/spec.js";
import { MAX_BODY_BYTES, signingKeys, type HttpContext } from "./context.js";
import { signatureMatches } from "./signature.js";
import { browserOrForeignHost } from "./unsigned-delivery.js";

export function sourceHookRoutes(ctx: HttpContext): Hono {
  const app = new Hono();
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, 413) });
  app.post("/:source", limit, async (c) => {
    const name = c.req.param("source");
    const source = sourceStoreOf(ctx.store).getSource(name);
    if (!source) return c.json({ error: `no source named '${name}'` }, 404);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (source.webhookSecret === undefined) {
      if (!ctx.loopback) {
        ctx.log(`http: source ${name}: push notification refused: the source has no --webhook-secret and the listener is not on loopback`);
        return c.json({ error: `source '${name}' has no webhook secret; unsigned notifications are taken on a loopback listener only` }, 401);
      }
      const foreign = browserOrForeignHost(c);
      if (foreign !== undefined) {
        ctx.log(`http: source ${name}: push notification refused: ${foreign}`);
        return c.json({ error: foreign }, 403);
      }
    } else {
      const keys = signingKeys(ctx, source.project, source.webhookSecret);
      if (!keys.ok) return c.json({ error: `the source's signing keys cannot be read: ${keys.message}` }, 500);
      if (!signatureMatches(body, c.req.header(DEFAULT_SIGNATURE_HEADER), keys.keys)) {
        ctx.log(`http: source ${name}: push notification refused: ${DEFAULT_SIGNATURE_HEADER} missing or wrong`);
        return c.json({ error: `the ${DEFAULT_SIGNATURE_HEADER} signature is missing or does not match` }, 401);
      }
    }
    if (!ctx.reconcileSource) return c.json({ error: "this listener does not reconcile sources" }, 503);
    ctx.log(`http: source ${name}: push notification; reconciling now`);
    ctx.reconcileSource(name);
    return c.json({ reconciling: name }, 202);
  });
  return app;
}
