/**
 * @module The id a webhook's sender gave a delivery, which a retry or a
 * "Redeliver" repeats: the first of these headers a delivery carries.
 */
import type { Context } from "hono";

/** Headers read for a delivery id, in this order: the git hosts' own, then the generic ones. */
export const DELIVERY_ID_HEADERS: readonly string[] = [
  "X-GitHub-Delivery",
  "X-Gitea-Delivery",
  "X-Gogs-Delivery",
  "X-Gitlab-Event-UUID",
  "Idempotency-Key",
  "X-Request-Id",
];

/** Longest delivery id taken: hosts send UUIDs; a longer one is refused rather than cut. */
export const MAX_DELIVERY_ID = 200;

export type DeliveryId = { ok: true; id?: string } | { ok: false; message: string };

/** The delivery's id (none when no header carries one, or only blanks). */
export function deliveryIdOf(c: Context): DeliveryId {
  for (const header of DELIVERY_ID_HEADERS) {
    const value = c.req.header(header)?.trim();
    if (!value) continue;
    if (value.length > MAX_DELIVERY_ID) return { ok: false, message: `the ${header} header is longer than ${MAX_DELIVERY_ID} characters` };
    return { ok: true, id: value };
  }
  return { ok: true };
}
