/**
 * @module Rows of `trigger_deliveries`, as both stores read them: the
 * columns, and the row mapped to a TriggerDelivery.
 */
import type { TriggerDelivery } from "../store.js";

export const DELIVERY_COLUMNS = "project, trigger_name, delivery_id, received_at, outcome, task_id";

export interface DeliveryRow {
  project: string;
  trigger_name: string;
  delivery_id: string;
  received_at: string;
  outcome: string;
  task_id: string | null;
}

export function deliveryFromRow(row: DeliveryRow): TriggerDelivery {
  return { project: row.project, trigger: row.trigger_name, deliveryId: row.delivery_id, receivedAt: row.received_at, outcome: row.outcome, taskId: row.task_id };
}
