/**
 * @module Webhook deliveries a trigger has taken, by the id their sender
 * gave them: a redelivery (a host's retry, or a person's "Redeliver") of
 * one the trigger fired or skipped a firing for within the retention window
 * creates nothing. The record is written in the firing's own transaction,
 * on the store's unique key, so two controllers sharing a store that take
 * the same delivery at once fire it once.
 */
import type { Store, TriggerDelivery } from "../../store/store.js";

/** How long a delivery id is remembered: GitHub offers redelivery of the past 3 days; retries come sooner. */
export const DELIVERY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** A delivery id the trigger already took; the firing's transaction rolls back. */
export class DuplicateDelivery extends Error {
  override readonly name = "DuplicateDelivery";
  constructor(readonly earlier: TriggerDelivery) {
    super(duplicateMessage(earlier));
  }
}

export function duplicateMessage(earlier: TriggerDelivery): string {
  const what = earlier.outcome === "fired" ? `fired${earlier.taskId ? ` task ${earlier.taskId}` : ""}` : `skipped (${earlier.outcome})`;
  return `delivery ${earlier.deliveryId} was already taken at ${earlier.receivedAt} (${what}); a redelivery creates nothing`;
}

/** The oldest receipt time still remembered. */
export function retentionStart(now: number = Date.now()): string {
  return new Date(now - DELIVERY_RETENTION_MS).toISOString();
}

/** The delivery the trigger already took under this id, within the retention window. */
export function earlierDelivery(store: Store, trigger: { project: string; name: string }, deliveryId: string): TriggerDelivery | undefined {
  return store.getTriggerDelivery({ project: trigger.project, trigger: trigger.name, deliveryId }, retentionStart());
}

/** Records the delivery's outcome; throws DuplicateDelivery when the trigger already took it (call inside the firing's transaction). */
export function recordDelivery(store: Store, trigger: { project: string; name: string }, deliveryId: string, outcome: string, taskId: string | null): void {
  const now = Date.now();
  const earlier = store.recordTriggerDelivery(
    { project: trigger.project, trigger: trigger.name, deliveryId, receivedAt: new Date(now).toISOString(), outcome, taskId },
    retentionStart(now),
  );
  if (earlier) throw new DuplicateDelivery(earlier);
}
