/**
 * @module How the reconciler reports what it does: one structured entry per
 * noteworthy step, for the controller's log.
 */
import type { JsonObject } from "../resources/types.js";

export interface ReconcileLogEntry {
  level: "info" | "warn" | "error";
  message: string;
  source?: string;
  data?: JsonObject;
}

export type ReconcileLog = (entry: ReconcileLogEntry) => void;

export const silentLog: ReconcileLog = () => {};
